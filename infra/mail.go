package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/calmi/convenings/pkg/deploy"
)

// newMailConfigurationSet defines the SES configuration set the mailer
// sends with. It keeps the sender's reputation: an address that bounces
// for good or complains is put on the account's suppression list, so SES
// does not send to it again (a later send to it bounces at once, with the
// sub-type OnAccountSuppressionList, and fails its notice). Each function
// with SES events in deploy.Functions (ses-events) gets those events
// through a topic of its own, and fails the notice the email belongs to;
// what SNS cannot deliver to it waits in its dead-letter queue (dlqs).
func newMailConfigurationSet(stack awscdk.Stack, fns map[string]awslambda.Function, dlqs map[string]awssqs.Queue, key awskms.IKey) awsses.ConfigurationSet {
	configSet := awsses.NewConfigurationSet(stack, jsii.String("MailConfigurationSet"), &awsses.ConfigurationSetProps{
		SuppressionReasons: awsses.SuppressionReasons_BOUNCES_AND_COMPLAINTS,
		ReputationMetrics:  jsii.Bool(true),
	})
	for _, f := range deploy.Functions {
		if len(f.SESEvents) == 0 {
			continue
		}
		id := constructID(f.Name)
		topic := awssns.NewTopic(stack, jsii.String(id+"Topic"), &awssns.TopicProps{
			DisplayName: jsii.String("convenings: SES events for " + f.Name),
			MasterKey:   key,
		})
		types := make([]awsses.EmailSendingEvent, len(f.SESEvents))
		for i, e := range f.SESEvents {
			types[i] = awsses.EmailSendingEvent(e)
		}
		configSet.AddEventDestination(jsii.String(id+"Destination"), &awsses.ConfigurationSetEventDestinationOptions{
			Destination: awsses.EventDestination_SnsTopic(topic),
			Events:      &types,
		})
		topic.AddSubscription(awssnssubscriptions.NewLambdaSubscription(fns[f.Name], &awssnssubscriptions.LambdaSubscriptionProps{
			DeadLetterQueue: dlqs[f.Name],
		}))
	}
	return configSet
}

// asyncInvokeOptions are the retries of a function SNS invokes: SNS hands
// the event to Lambda's queue, which retries a failed invocation twice
// (with backoff) and then keeps the event in dlq; a throttled one waits in
// the queue, up to six hours.
func asyncInvokeOptions(dlq awssqs.IQueue) *awslambda.EventInvokeConfigOptions {
	return &awslambda.EventInvokeConfigOptions{
		OnFailure:     awslambdadestinations.NewSqsDestination(dlq),
		RetryAttempts: jsii.Number(2),
		MaxEventAge:   awscdk.Duration_Hours(jsii.Number(6)),
	}
}
