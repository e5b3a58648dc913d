package localaws

import "syscall"

// setParentDeathSignal makes the kernel stop the service if the parent dies
// without calling Stop (SIGKILL, a test binary's timeout panic), so no JVM
// is left behind holding a port.
func setParentDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGTERM }
