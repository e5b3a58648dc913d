package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/dynamostore/dynamotest"
	"github.com/calmi/convenings/pkg/dynamostream"
	"github.com/calmi/convenings/pkg/localaws"
	"github.com/calmi/convenings/pkg/localrun"
)

// mailResult is the mailer's throughput under the configured send rate.
type mailResult struct {
	rate      float64 // LMI_SES_MAX_SEND_RATE
	notices   int
	batches   int
	elapsed   time.Duration
	achieved  float64 // sends per second between the first and the last send
	maxWindow int     // most sends inside any one second
	// The tight phase: batches given less time than the rate needs, so
	// some notices cannot be sent in time and must come back.
	tightNotices, tightRetried, tightRounds int
	// swept counts the sweeps run after the stream gave up on some notice
	// (a lease its sender could not give back): 0 when none was needed.
	swept      int
	tightRate  float64
	emails     int // emails the SES endpoint received for these notices
	sent, lost int // notices marked sent, and not
	// members are the members' own emails the contacts' emails brought
	// (written to the outbox by the mailer; in AWS the stream brings
	// them to the mailer as it did their parents): not part of this
	// measurement, which feeds the mailer the notices it set out with.
	members int
	// duplicates are emails beyond one per notice: a send cut by the
	// deadline after SES accepted it is released and sent again (the
	// at-least-once window docs/architecture.md describes).
	duplicates int
	problems   []string
}

// mailerFunc delivers one stream batch to the mailer.
type mailerFunc = func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// mailerFunction builds the mailer function as its main does
// (localrun.NewFunction) and calls it as Lambda does: the batch as JSON
// through aws-lambda-go's handler, the answer decoded from its JSON.
func mailerFunction(ctx context.Context, c localrun.FunctionConfig) (mailerFunc, error) {
	fn, err := localrun.NewFunction(ctx, deploy.Mailer, c)
	if err != nil {
		return nil, err
	}
	h := lambda.NewHandler(fn)
	return func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		var resp events.DynamoDBEventResponse
		payload, err := json.Marshal(ev)
		if err != nil {
			return resp, err
		}
		out, err := h.Invoke(ctx, payload)
		if err != nil {
			return resp, err
		}
		return resp, json.Unmarshal(out, &resp)
	}, nil
}

// noticeRecords returns the table's notices as the stream's INSERT records
// would carry them to the mailer, oldest first.
func noticeRecords(ctx context.Context, db *dynamodb.Client, table string) ([]events.DynamoDBEventRecord, error) {
	notices, err := dynamotest.Notices(ctx, db, table)
	if err != nil {
		return nil, err
	}
	recs := make([]events.DynamoDBEventRecord, 0, len(notices))
	for _, m := range notices {
		img := dynamostream.ToImage(m)
		recs = append(recs, events.DynamoDBEventRecord{
			EventID: img["id"].String(), EventName: "INSERT", EventSource: "aws:dynamodb", EventVersion: "1.1",
			AWSRegion: localaws.Region,
			Change: events.DynamoDBStreamRecord{
				Keys:           map[string]events.DynamoDBAttributeValue{deploy.AttrPK: img[deploy.AttrPK], deploy.AttrSK: img[deploy.AttrSK]},
				NewImage:       img,
				SequenceNumber: img["id"].String(),
				StreamViewType: "NEW_AND_OLD_IMAGES",
			},
		})
	}
	sort.Slice(recs, func(i, j int) bool {
		return recs[i].Change.NewImage["createdAt"].String()+recs[i].EventID < recs[j].Change.NewImage["createdAt"].String()+recs[j].EventID
	})
	return recs, nil
}

// measureMail feeds the notices of a registration burst, as stream batches
// of 10 (the event source's batch size), to the mailer function wired as
// its main wires it with LMI_SES_MAX_SEND_RATE set, and sends through the
// local SES endpoint. Then it checks that the rate held, that every notice
// is marked sent and that SES got exactly one email per notice.
func measureMail(ctx context.Context, l *lab, rep *report) error {
	c := rep.config
	table, err := l.newTable(ctx, "mail")
	if err != nil {
		return err
	}
	defer l.dropTable(ctx, table)
	total := c.mailNotices + c.mailNotices/8
	// Three in four teams get seats, the rest wait: both kinds of notice.
	if err := l.createEvent(ctx, table, "mail", 5*c.mailNotices*3/4); err != nil {
		return err
	}
	registerFn, err := l.api(ctx, deploy.Register, table)
	if err != nil {
		return err
	}
	run := fmt.Sprintf("m%d", time.Now().UnixNano())
	bodies := teamBodies(run, total)
	if _, err := rush(c.clients, total, func(i int) error {
		resp, err := registerFn(ctx, register("mail", bodies[i], nil))
		if err == nil && resp.StatusCode != 201 {
			err = fmt.Errorf("%d %s", resp.StatusCode, resp.Body)
		}
		return err
	}); err != nil {
		return err
	}
	fc := l.config(table)
	fc.SESMaxSendRate = strconv.FormatFloat(c.mailRate, 'f', -1, 64)
	mailer, err := mailerFunction(ctx, fc)
	if err != nil {
		return err
	}
	recs, err := noticeRecords(ctx, l.client, table)
	if err != nil {
		return err
	}
	res := &mailResult{rate: c.mailRate, notices: c.mailNotices}
	rep.mail = res

	// Throughput: batches with the function's 60 s timeout.
	start := time.Now()
	n, _, err := feed(ctx, mailer, recs[:c.mailNotices], 60*time.Second)
	if err != nil {
		return err
	}
	res.elapsed, res.batches = time.Since(start), n
	// Backlog: a mailer at a fifth of the rate whose batches get about
	// half the time that rate needs, so that part of every batch cannot
	// be sent in time and must come back.
	slow := c.mailRate / 5
	fc.SESMaxSendRate = strconv.FormatFloat(slow, 'f', -1, 64)
	slowMailer, err := mailerFunction(ctx, fc)
	if err != nil {
		return err
	}
	tight := recs[c.mailNotices:]
	res.tightNotices, res.tightRate = len(tight), slow
	res.tightRounds, res.tightRetried, err = feed(ctx, slowMailer, tight, time.Duration(float64(5*time.Second)/slow))
	if err != nil {
		return err
	}
	if res.swept, err = sweepUntilSent(ctx, l, table, slowMailer, recs); err != nil {
		return err
	}
	return checkMail(ctx, l, table, run, res, recs[:c.mailNotices], recs)
}

// sweepUntilSent runs the mailer's schedule, as EventBridge does, while
// notices are still owed: one whose sender could not give its lease back
// (under load, the release's own write may time out) is due again when the
// lease ends, and only the sweep sends it. It gives up after three
// minutes, leaving checkMail to report what is left. Only the notices fed
// count: the members' emails they brought are the stream's to send.
func sweepUntilSent(ctx context.Context, l *lab, table string, mailer mailerFunc, fed []events.DynamoDBEventRecord) (int, error) {
	inFed := map[string]bool{}
	for _, r := range fed {
		inFed[r.EventID] = true
	}
	swept := 0
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); {
		items, err := dynamotest.Scan(ctx, l.client, table)
		if err != nil {
			return swept, err
		}
		owed := 0
		for _, it := range items {
			if it.Kind() == dynamotest.Notice && inFed[it.S("id")] && (it.S("state") == "pending" || it.S("state") == "sending") {
				owed++
			}
		}
		if owed == 0 {
			return swept, nil
		}
		if swept == 0 {
			fmt.Printf("  mail: %d notices still owed after the stream; sweeping as the schedule would\n", owed)
		}
		// An empty batch is what the mailer takes for the schedule.
		if _, err := mailer(ctx, events.DynamoDBEvent{}); err != nil {
			return swept, err
		}
		swept++
		time.Sleep(10 * time.Second)
	}
	return swept, nil
}

// feed delivers records in batches of 10 as the event source mapping does:
// a batch that reports failures is retried from its first failed record
// (ReportBatchItemFailures) until everything went through. It returns
// the invocations and the records that came back.
func feed(ctx context.Context, mailer mailerFunc, recs []events.DynamoDBEventRecord, timeout time.Duration) (invocations, retried int, err error) {
	stuck := 0
	for len(recs) > 0 {
		if err := ctx.Err(); err != nil {
			return invocations, retried, err
		}
		batch := recs[:min(10, len(recs))]
		ictx, cancel := context.WithTimeout(ctx, timeout)
		resp, err := mailer(ictx, events.DynamoDBEvent{Records: batch})
		cancel()
		invocations++
		if err != nil {
			return invocations, retried, err
		}
		next := len(batch)
		for _, f := range resp.BatchItemFailures {
			for i, r := range batch {
				if r.Change.SequenceNumber == f.ItemIdentifier && i < next {
					next = i
				}
			}
		}
		if next == 0 {
			if stuck++; stuck == 20 {
				return invocations, retried, fmt.Errorf("the mailer made no progress in 20 invocations of %v", timeout)
			}
		} else {
			stuck = 0
		}
		retried += len(batch) - next
		recs = recs[next:]
	}
	return invocations, retried, nil
}

// checkMail checks the sends: the rate from the notices' sentAt marks
// (millisecond precision), every notice sent, one email per notice.
func checkMail(ctx context.Context, l *lab, table, run string, res *mailResult, timed, fed []events.DynamoDBEventRecord) error {
	items, err := dynamotest.Scan(ctx, l.client, table)
	if err != nil {
		return err
	}
	inTimed, inFed := map[string]bool{}, map[string]bool{}
	for _, r := range timed {
		inTimed[r.EventID] = true
	}
	for _, r := range fed {
		inFed[r.EventID] = true
	}
	var sent []time.Time
	notices, membersSent := 0, 0
	for _, it := range items {
		if it.Kind() != dynamotest.Notice {
			continue
		}
		if !inFed[it.S("id")] {
			res.members++
			if it.S("state") == "sent" {
				membersSent++
			}
			continue
		}
		notices++
		if it.S("state") != "sent" {
			res.lost++
			res.problems = append(res.problems, fmt.Sprintf("notice %s is %q, not sent", it.S("id"), it.S("state")))
			continue
		}
		res.sent++
		if inTimed[it.S("id")] {
			t, err := time.Parse("2006-01-02T15:04:05.000Z", it.S("sentAt"))
			if err != nil {
				return fmt.Errorf("notice %s: sentAt %q: %w", it.S("id"), it.S("sentAt"), err)
			}
			sent = append(sent, t)
		}
	}
	sort.Slice(sent, func(i, j int) bool { return sent[i].Before(sent[j]) })
	if len(sent) > 1 {
		span := sent[len(sent)-1].Sub(sent[0])
		res.achieved = float64(len(sent)-1) / span.Seconds()
		for i := range sent {
			j := sort.Search(len(sent), func(j int) bool { return !sent[j].Before(sent[i].Add(time.Second)) })
			res.maxWindow = max(res.maxWindow, j-i)
		}
	}
	// A one-token bucket allows rate sends in any second, plus one at its
	// edge; the marks are taken after each send, so allow 2 for jitter.
	if limit := int(res.rate) + 2; res.maxWindow > limit {
		res.problems = append(res.problems, fmt.Sprintf("%d emails within one second, over the rate of %g/s", res.maxWindow, res.rate))
	}
	emails, err := localaws.SentEmails(ctx, l.sesURL)
	if err != nil {
		return err
	}
	for _, e := range emails {
		for _, to := range e.To {
			if strings.Contains(to, "@"+run+".example.org") {
				res.emails++
			}
		}
	}
	res.emails -= membersSent // the members' emails the sweeps sent meanwhile
	switch {
	case res.emails < res.sent:
		res.problems = append(res.problems, fmt.Sprintf("SES received %d emails for %d notices marked sent", res.emails, res.sent))
	case res.emails > notices:
		res.duplicates = res.emails - notices
	}
	fmt.Printf("  mail: %.1f emails/s at a configured %g/s (max %d in one second); %d notices, %d sent, %d emails (%d duplicates); backlog phase: %d records retried; %d members' emails written for them (%d sent by the sweeps)\n",
		res.achieved, res.rate, res.maxWindow, notices, res.sent, res.emails, res.duplicates, res.tightRetried, res.members, membersSent)
	for _, p := range res.problems {
		fmt.Println("    PROBLEM:", p)
	}
	return nil
}
