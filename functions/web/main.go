// Command web is the Lambda function behind the registration website
// (see httpapi.Routes).
package main

import "github.com/calmi/convenings/pkg/deployment"

func main() { deployment.Main("web") }
