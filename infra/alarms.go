package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/calmi/convenings/pkg/deploy"
)

// The alarms' numbers (docs/architecture.md, "Alarms", says why each).
const (
	// alarmMinutes is every alarm's period.
	alarmMinutes = 5
	// api5xxThreshold is the 5xx answers in a period that alarm: a few 503s
	// ("busy, retry") are the API working as designed in a rush; a steady
	// stream of them, or of 500s, is not.
	api5xxThreshold = 5
	// consumerThrottlePeriods is how many periods in a row a stream or SNS
	// consumer must be throttled to alarm: throttled stream batches and SNS
	// events wait and are retried, so a short spell is the account's
	// concurrency (or the function's reservation) working; a longer one is
	// a backlog.
	consumerThrottlePeriods = 3
	// FailedNoticesMetric is the metric the failed-notice log lines count
	// into, in the namespace "Convenings/<stack name>".
	FailedNoticesMetric = "FailedNotices"
	// failedNoticeLine is the log line that fails a notice (mail.Mailer's
	// fail and sesevents.Handler write it).
	failedNoticeLine = "notice failed"
)

// failingNotices are the functions whose logs hold failedNoticeLine.
var failingNotices = []string{deploy.Mailer, deploy.SESEvents}

// alarmSources are what the alarms watch.
type alarmSources struct {
	functions map[string]awslambda.Function
	logs      map[string]awslogs.LogGroup
	queues    map[string]awssqs.Queue // by the function whose failures they keep
	// scheduleQueue keeps the scheduled invocations EventBridge gave up on.
	scheduleQueue awssqs.Queue
	api           awsapigatewayv2.HttpApi
}

// newAlarms defines the alarms and the topic they notify (when they go off
// and when they clear), with an email subscription if cfg has an address.
// Every alarm treats missing data as fine: no invocations, no errors.
func newAlarms(stack awscdk.Stack, cfg config, key awskms.IKey, src alarmSources) awssns.Topic {
	topic := awssns.NewTopic(stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("convenings alarms"),
		MasterKey:   key,
	})
	if cfg.alarmEmail != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(cfg.alarmEmail), nil))
	}
	action := awscloudwatchactions.NewSnsAction(topic)
	period := awscdk.Duration_Minutes(jsii.Number(alarmMinutes))
	sum := &awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Sum")}
	alarm := func(id, description string, metric awscloudwatch.IMetric, threshold, periods float64) {
		a := awscloudwatch.NewAlarm(stack, jsii.String(id), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(description),
			Metric:             metric,
			Threshold:          jsii.Number(threshold),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			EvaluationPeriods:  jsii.Number(periods),
			DatapointsToAlarm:  jsii.Number(periods),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		a.AddAlarmAction(action)
		a.AddOkAction(action)
	}

	// Anything in a failure queue is work given up on: a promotion the
	// stream could not make, notices the stream could not hand to the
	// mailer (the sweep still sends them), SES events not recorded.
	for _, f := range deploy.Functions {
		if q, ok := src.queues[f.Name]; ok {
			alarm(constructID(f.Name)+"DeadLettersAlarm", "Events the "+f.Name+" function gave up on wait in its failure queue",
				q.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Maximum")}), 1, 1)
		}
	}

	alarm("ScheduleDeadLettersAlarm", "A scheduled sweep (mail, held seats, retention) could not be started: it waits in the schedule queue",
		src.scheduleQueue.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Maximum")}), 1, 1)

	// A failed notice is a team that did not get its email: staff should
	// reach it another way (GET /api/admin/notices lists them). The
	// mailer's and ses-events' log line is counted by a metric filter.
	namespace := jsii.String("Convenings/" + *stack.StackName())
	for _, name := range failingNotices {
		src.logs[name].AddMetricFilter(jsii.String(constructID(name)+"FailedNotices"), &awslogs.MetricFilterOptions{
			FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.msg"), jsii.String("="), jsii.String(failedNoticeLine)),
			MetricNamespace: namespace,
			MetricName:      jsii.String(FailedNoticesMetric),
			MetricValue:     jsii.String("1"),
		})
	}
	alarm("FailedNoticesAlarm", "A notice failed for good: a team did not get an email (GET /api/admin/notices?state=failed)",
		awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: namespace, MetricName: jsii.String(FailedNoticesMetric),
			Period: period, Statistic: jsii.String("Sum")}), 1, 1)

	// No function returns an error by design (the HTTP ones answer
	// problems, the stream ones report batch item failures): any error is
	// a crash, a timeout or an unreachable table. A throttled HTTP function
	// is a request answered 5xx; a throttled consumer waits (see
	// consumerThrottlePeriods).
	for _, f := range deploy.Functions {
		fn, id := src.functions[f.Name], constructID(f.Name)
		alarm(id+"ErrorsAlarm", "The "+f.Name+" function failed (crash, timeout or error)", fn.MetricErrors(sum), 1, 1)
		throttlePeriods := 1.0
		if f.Stream != nil || len(f.SESEvents) > 0 {
			throttlePeriods = consumerThrottlePeriods
		}
		alarm(id+"ThrottlesAlarm", "The "+f.Name+" function was throttled", fn.MetricThrottles(sum), 1, throttlePeriods)
	}

	alarm("Api5xxAlarm", "The HTTP API answered server errors (500 bugs, 503 busy or timed out)",
		src.api.MetricServerError(sum), api5xxThreshold, 1)
	return topic
}
