package console

// SessionID is the id the store keeps a session under for a cookie's
// secret, for tests that put sessions in the store directly.
func SessionID(secret string) string { return sessionID(secret) }

// FormToken is the anti-forgery token of the console's forms for the
// session with the given cookie secret.
func (h *Handler) FormToken(secret string) string { return h.formToken(sessionID(secret), purposeForm) }
