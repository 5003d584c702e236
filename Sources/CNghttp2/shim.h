// libnghttp2 (1.52 on Debian 12). Newer calls must be gated on NGHTTP2_VERSION_NUM.
// Everything the HTTP2 module uses imports directly; shims would be prefixed CJNghttp2_.
#ifndef CNGHTTP2_SHIM_H
#define CNGHTTP2_SHIM_H
#include <nghttp2/nghttp2.h>
#endif
