// Package convening is the domain of the registration system: events, the
// labor-management teams that register for them, the waiting list and its
// promotion policy, and the notices a team receives when its registration
// changes state.
//
// The package is plain Go. It knows nothing about DynamoDB, SES or Lambda;
// those adapters live in sibling packages and depend on this one.
package convening
