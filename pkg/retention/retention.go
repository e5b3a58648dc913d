// Package retention is the retention function's handler: on a daily
// schedule it erases the people of every registration whose event ended
// long enough ago (convening.RetainAfterEvent), removes the unmatched
// participants of online events as long after, and anonymizes the people
// of the attendance history after convening.RetainHistory, so that
// personal data is kept no longer than staff need it.
package retention

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/convening"
)

// Handler erases expired personal data when the schedule fires.
type Handler struct {
	Privacy *convening.PrivacyService
	// History, if set, also anonymizes the people of the attendance
	// history past convening.RetainHistory, and removes the participants
	// of online events nobody matched (RetainAfterEvent).
	History *convening.HistoryService
	Log     *slog.Logger
}

// Handle runs one pass. It fails only if the pass could not finish; the
// next day's pass picks up where it stopped.
func (h *Handler) Handle(ctx context.Context, _ events.EventBridgeEvent) (map[string]int, error) {
	// Answers about health or accessibility go first, two weeks after the
	// event (convening.RetainSensitiveAfterEvent).
	s, err := h.Privacy.ExpireSensitiveAnswers(ctx)
	if err != nil {
		h.Log.ErrorContext(ctx, "sensitive answers not erased", "erased", s, "error", err)
		return nil, err
	}
	if s > 0 {
		h.Log.InfoContext(ctx, "sensitive answers erased", "registrations", s)
	}
	n, err := h.Privacy.ExpirePersonalData(ctx)
	if err != nil {
		h.Log.ErrorContext(ctx, "personal data not erased", "erased", n, "error", err)
		return nil, err
	}
	if n > 0 {
		h.Log.InfoContext(ctx, "personal data erased", "registrations", n)
	}
	out := map[string]int{"erased": n, "sensitiveAnswersErased": s}
	if h.History != nil {
		anon, removed, err := h.History.ApplyHistoryRetention(ctx)
		if err != nil {
			h.Log.ErrorContext(ctx, "history not kept to its schedule", "anonymized", anon, "removed", removed, "error", err)
			return nil, err
		}
		out["anonymized"], out["unmatchedRemoved"] = anon, removed
	}
	return out, nil
}
