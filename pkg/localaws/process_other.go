//go:build !unix

package localaws

import (
	"os"
	"os/exec"
)

// Without process groups the best available is to end the child itself.
func setProcessGroup(*exec.Cmd) {}

func terminate(p *os.Process) error { return p.Kill() }

func kill(p *os.Process) error { return p.Kill() }
