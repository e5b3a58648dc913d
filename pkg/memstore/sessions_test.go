package memstore_test

import (
	"testing"

	"github.com/calmi/convenings/pkg/memstore"
	"github.com/calmi/convenings/pkg/staffauth"
	"github.com/calmi/convenings/pkg/storetest"
)

func TestSessionsContract(t *testing.T) {
	storetest.RunSessions(t, func(testing.TB) staffauth.SessionStore { return memstore.NewSessions() })
}
