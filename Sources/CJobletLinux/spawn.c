#include "CJobletLinux.h"
int CJobletLinux_placeholder(void) { return 0; }
