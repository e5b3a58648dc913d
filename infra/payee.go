package main

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/calmi/convenings/pkg/deploy"
)

// The payee the invoices are issued by: the program's legal name, its
// remit-to address (lines separated by "|"), its tax id (EIN) and how to
// pay besides a check. The functions that write invoice PDFs get them as
// their environment (deploy.PayeeEnv). Without them no price can be set:
// a deployment without fees needs none.
const (
	ContextPayeeName           = "payeeName"
	ContextPayeeAddress        = "payeeAddress"
	ContextPayeeTaxID          = "payeeTaxId"
	ContextPaymentInstructions = "paymentInstructions"
)

var einPattern = regexp.MustCompile(`^[0-9]{2}-[0-9]{7}$`)

// resolvePayee reads the payee's settings from the context, by the
// environment variable each becomes: an error annotation for a malformed
// tax id, a warning when the settings are incomplete.
func resolvePayee(stack awscdk.Stack) map[string]string {
	node := stack.Node()
	env := map[string]string{}
	for k, v := range map[string]string{
		deploy.EnvPayeeName: ContextPayeeName, deploy.EnvPayeeAddress: ContextPayeeAddress,
		deploy.EnvPayeeTaxID: ContextPayeeTaxID, deploy.EnvPaymentInstructions: ContextPaymentInstructions,
	} {
		if s := contextString(node, v); s != "" {
			env[k] = s
		}
	}
	annotations := awscdk.Annotations_Of(stack)
	if id := env[deploy.EnvPayeeTaxID]; id != "" && !einPattern.MatchString(id) {
		annotations.AddError(jsii.String(fmt.Sprintf("%s %q is not an employer identification number like 12-3456789", ContextPayeeTaxID, id)))
	}
	if env[deploy.EnvPayeeName] == "" || env[deploy.EnvPayeeAddress] == "" || env[deploy.EnvPayeeTaxID] == "" {
		annotations.AddWarningV2(jsii.String("convenings:payee"), jsii.String(fmt.Sprintf(
			"No complete payee settings: no event can charge a fee, since no invoice could be issued. To invoice, deploy with "+
				"`cdk deploy -c %s='...' -c %s='street | city, CA zip' -c %s=12-3456789`.", ContextPayeeName, ContextPayeeAddress, ContextPayeeTaxID)), nil)
	}
	return env
}
