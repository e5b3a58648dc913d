// Package e2e holds the system tests: the whole registration system run
// locally (DynamoDB Local, the local SES endpoint, the functions' real
// handlers, the stream poller), driven from outside and judged by the
// table's final state and the mail that went out.
package e2e
