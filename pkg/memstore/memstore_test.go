package memstore_test

import (
	"testing"

	"github.com/calmi/convenings/pkg/memstore"
	"github.com/calmi/convenings/pkg/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(testing.TB) storetest.Store { return memstore.New() })
}

func TestRaceStatements(t *testing.T) {
	f := storetest.RaceStatements(t, memstore.New(), 400)
	t.Logf("%+v", f)
}
