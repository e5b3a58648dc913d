// Command registration is the Lambda function behind the HTTP API's registration routes
// (see httpapi.Routes).
package main

import "github.com/calmi/convenings/pkg/deployment"

func main() { deployment.Main("registration") }
