package memstore

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/calmi/convenings/pkg/staffauth"
)

// Sessions is an in-memory staffauth.SessionStore, with the semantics of
// the table's SESSION items. Sessions share no transaction with the
// registrations, so they are a store of their own. It is safe for
// concurrent use.
type Sessions struct {
	mu       sync.Mutex
	sessions map[string]staffauth.Session
}

// NewSessions returns an empty session store.
func NewSessions() *Sessions { return &Sessions{sessions: map[string]staffauth.Session{}} }

var _ staffauth.SessionStore = (*Sessions)(nil)

// CreateSession stores a new session.
//
// Errors: an internal error if a session with its ID exists.
func (s *Sessions) CreateSession(ctx context.Context, sess staffauth.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, ok := s.sessions[sess.ID]; ok {
		return errors.New("create session: a session with this id exists")
	}
	s.sessions[sess.ID] = cloneSession(sess)
	return nil
}

// Session returns the session with the given ID.
//
// Errors: staffauth.ErrNoSession if there is none.
func (s *Sessions) Session(ctx context.Context, id string) (staffauth.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return staffauth.Session{}, err
	}
	sess, ok := s.sessions[id]
	if !ok {
		return staffauth.Session{}, staffauth.ErrNoSession
	}
	return cloneSession(sess), nil
}

// UpdateSession replaces the session's staff member and RefreshAt.
//
// Errors: staffauth.ErrNoSession if it is gone.
func (s *Sessions) UpdateSession(ctx context.Context, sess staffauth.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	old, ok := s.sessions[sess.ID]
	if !ok {
		return staffauth.ErrNoSession
	}
	old.Staff, old.RefreshAt = sess.Staff, sess.RefreshAt
	s.sessions[sess.ID] = cloneSession(old)
	return nil
}

// DeleteSession removes a session, if it is there.
func (s *Sessions) DeleteSession(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	delete(s.sessions, id)
	return nil
}

func cloneSession(s staffauth.Session) staffauth.Session {
	s.Staff.Groups = slices.Clone(s.Staff.Groups)
	return s
}
