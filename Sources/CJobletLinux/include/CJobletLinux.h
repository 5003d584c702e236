// The C that Swift must not do itself: clone/exec of a job's first process, namespaces, mounts.
#ifndef CJOBLETLINUX_H
#define CJOBLETLINUX_H
int CJobletLinux_placeholder(void);
#endif
