// Command mailer consumes the table's stream and sends each notice the
// outbox holds, once, through SES.
package main

import "github.com/calmi/convenings/pkg/deployment"

func main() { deployment.Main("mailer") }
