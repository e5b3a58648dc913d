// Command promoter consumes the table's stream and promotes waitlisted teams
// whenever an event shows free seats and a waiting list.
package main

import "github.com/calmi/convenings/pkg/deployment"

func main() { deployment.Main("promoter") }
