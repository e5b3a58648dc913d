//go:build unix && !linux

package localaws

import "syscall"

// Only Linux has a parent-death signal; elsewhere Stop (or RunTests's
// signal handling) is what ends the service.
func setParentDeathSignal(*syscall.SysProcAttr) {}
