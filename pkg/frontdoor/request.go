package frontdoor

import (
	"io"
	"mime"
	"net/http"
	"net/url"
)

// APIPolicy is the JSON API's Content-Security-Policy: an answer is data,
// never a document that loads or runs anything, or is framed.
const APIPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the one set of headers every answer carries; a
// handler may change them for its own answer (a stylesheet may be cached).
func securityHeaders(h http.Header, r *http.Request, csp string) {
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	if Secure(r) {
		// Browsers that once reached the site keep to HTTPS for a year.
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
}

// Secure reports whether the browser reached us over HTTPS: always in AWS
// (API Gateway answers HTTPS only); the local runner's gateway says http.
func Secure(r *http.Request) bool { return r.Header.Get("X-Forwarded-Proto") != "http" }

// Origin is the site's own origin as the browser sees it.
func Origin(r *http.Request) string {
	if Secure(r) {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// CookieName is the name of one of the site's cookies: over HTTPS with the
// __Host- prefix, which browsers accept only from this very host, Secure,
// with Path=/ and no Domain, so a neighbouring subdomain can neither plant
// nor overwrite it. Plain http (the local runner) cannot use the prefix.
func CookieName(r *http.Request, name string) string {
	if Secure(r) {
		return "__Host-" + name
	}
	return name
}

// Cookie is the value of the named cookie of r (the first, if the browser
// sent several), or "".
func Cookie(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// SameSite reports whether a form post comes from the site itself, as far
// as the browser says (Sec-Fetch-Site, Origin): a post another site made
// the browser send is refused before its anti-forgery token is checked.
func SameSite(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return false
	}
	// Under Referrer-Policy: no-referrer browsers send "Origin: null" for
	// the site's own forms, so only a named other origin is refused.
	o := r.Header.Get("Origin")
	return o == "" || o == "null" || o == Origin(r)
}

// Form reads r's application/x-www-form-urlencoded body of at most limit
// bytes, once (r.PostForm keeps it).
//
// Errors: ErrBadForm for another media type, a larger body or one that is
// not a form.
func Form(r *http.Request, limit int64) (url.Values, error) {
	if r.PostForm != nil {
		return r.PostForm, nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return nil, ErrBadForm
		}
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil || int64(len(b)) > limit {
		return nil, ErrBadForm
	}
	f, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, ErrBadForm
	}
	r.PostForm = f
	return f, nil
}

// FormWithFiles reads r's form as Form does, and also a
// multipart/form-data body of at most fileLimit bytes (a file upload): its
// text fields as r.PostForm, its files in r.MultipartForm.
//
// Errors: ErrBadForm, as Form.
func FormWithFiles(r *http.Request, limit, fileLimit int64) (url.Values, error) {
	if r.PostForm != nil {
		return r.PostForm, nil
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return Form(r, limit)
	}
	r.Body = http.MaxBytesReader(nil, r.Body, fileLimit)
	// Files past 1 MiB go to the function's temporary storage.
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		return nil, ErrBadForm
	}
	r.PostForm = url.Values(r.MultipartForm.Value)
	return r.PostForm, nil
}
