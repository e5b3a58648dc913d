package localrun_test

import (
	"os"
	"testing"

	"github.com/calmi/convenings/pkg/localaws"
)

func TestMain(m *testing.M) { os.Exit(localaws.RunTests(m)) }
