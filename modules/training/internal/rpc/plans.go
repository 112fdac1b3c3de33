package rpc

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/plan"
	"github.com/athlos/athlos/modules/training/internal/service"
)

// registerPlans serves rpc.training.plans.*: the caller's training plans.
func registerPlans(svc *bus.Service, s *service.Service) error {
	return handlers(svc, map[string]bus.HandlerFunc{
		api.SubjectPlanCreate: asCaller(func(ctx context.Context, user uuid.UUID, in api.PlanCreate) (api.Plan, error) {
			req, err := planRequest(in)
			if err != nil {
				return api.Plan{}, err
			}
			return s.CreatePlan(ctx, user, req)
		}),
		api.SubjectPlanList: asCaller(func(ctx context.Context, user uuid.UUID, in api.PlanListRequest) (api.PlanList, error) {
			return s.ListPlans(ctx, user, in.Limit, in.Cursor)
		}),
		api.SubjectPlanGet: asCaller(func(ctx context.Context, user uuid.UUID, in api.PlanGetRequest) (api.Plan, error) {
			id, err := parseID("path.id", in.ID)
			if err != nil {
				return api.Plan{}, err
			}
			from, err := optionalDate("query.from", in.From)
			if err != nil {
				return api.Plan{}, err
			}
			to, err := optionalDate("query.to", in.To)
			if err != nil {
				return api.Plan{}, err
			}
			return s.GetPlan(ctx, user, id, from, to)
		}),
		api.SubjectPlanPatch: asCaller(func(ctx context.Context, user uuid.UUID, in api.PlanPatchRequest) (api.Plan, error) {
			id, err := parseID("path.id", in.ID)
			if err != nil {
				return api.Plan{}, err
			}
			if in.Patch.Schedule == nil {
				return api.Plan{}, bus.Invalid("body.schedule", "is required: the schedule is what a plan's change may change")
			}
			sched, err := planSchedule("body.schedule.", *in.Patch.Schedule)
			if err != nil {
				return api.Plan{}, err
			}
			return s.ReschedulePlan(ctx, user, id, sched)
		}),
		// The iCalendar document is the answer as it is, not JSON.
		api.SubjectPlanCalendar: asCallerEncoded(func(ctx context.Context, user uuid.UUID, in api.PlanRef) ([]byte, error) {
			id, err := parseID("path.id", in.ID)
			if err != nil {
				return nil, err
			}
			return s.PlanCalendar(ctx, user, id)
		}),
		api.SubjectPlanFeedCreate: asCaller(func(ctx context.Context, user uuid.UUID, in api.PlanRef) (api.PlanFeed, error) {
			id, err := parseID("path.id", in.ID)
			if err != nil {
				return api.PlanFeed{}, err
			}
			return s.CreatePlanFeed(ctx, user, id)
		}),
		api.SubjectPlanFeedDelete: asCaller(func(ctx context.Context, user uuid.UUID, in api.PlanRef) (api.Empty, error) {
			id, err := parseID("path.id", in.ID)
			if err != nil {
				return api.Empty{}, err
			}
			return api.Empty{}, s.DeletePlanFeed(ctx, user, id)
		}),
		// No caller: the feed's token is the right to read its plan.
		api.SubjectPlanFeedCalendar: bus.JSONEncoded(func(ctx context.Context, in api.PlanFeedRef) ([]byte, error) {
			return s.FeedCalendar(ctx, in.Token)
		}),
		api.SubjectPlanDelete: asCaller(func(ctx context.Context, user uuid.UUID, in api.PlanRef) (api.Empty, error) {
			id, err := parseID("path.id", in.ID)
			if err != nil {
				return api.Empty{}, err
			}
			return api.Empty{}, s.DeletePlan(ctx, user, id)
		}),
	})
}

// planRequest maps a plan request to the planner's; the planner checks the
// rest (plan.Build).
func planRequest(in api.PlanCreate) (plan.Request, error) {
	req := plan.Request{Sport: in.Sport,
		Goal: plan.Goal{Kind: plan.GoalKind(in.Goal.Kind), Distance: in.Goal.Distance, TargetTime: time.Duration(in.Goal.TargetTimeS) * time.Second,
			WeeklyMinutes: in.Goal.WeeklyMinutes, Weeks: in.Goal.Weeks},
		Health: plan.Health{RestingHR: in.Health.RestingHRBpm, Limitations: in.Health.Limitations, Feeling: plan.Feeling(in.Health.Feeling)},
	}
	if req.Sport == "" {
		req.Sport = "run"
	}
	var err error
	if req.Goal.Date, err = optionalDate("body.goal.date", in.Goal.Date); err != nil {
		return plan.Request{}, err
	}
	if req.Schedule, err = planSchedule("body.schedule.", in.Schedule); err != nil {
		return plan.Request{}, err
	}
	return req, nil
}

func planSchedule(prefix string, in api.PlanSchedule) (plan.Schedule, error) {
	s := plan.Schedule{MaxMinutes: in.MaxMinutes}
	for i, d := range in.Days {
		wd, err := service.Weekday(d)
		if err != nil {
			return plan.Schedule{}, bus.Invalid(fmt.Sprintf("%sdays[%d]", prefix, i), err.Error())
		}
		s.Days = append(s.Days, wd)
	}
	if in.LongDay != "" {
		wd, err := service.Weekday(in.LongDay)
		if err != nil {
			return plan.Schedule{}, bus.Invalid(prefix+"long_day", err.Error())
		}
		s.LongDay = &wd
	}
	return s, nil
}

// optionalDate reads a YYYY-MM-DD date; "" is no date.
func optionalDate(field, s string) (plan.Date, error) {
	if s == "" {
		return plan.Date{}, nil
	}
	d, err := plan.ParseDate(s)
	if err != nil {
		return plan.Date{}, bus.Invalid(field, "must be a date (YYYY-MM-DD)")
	}
	return d, nil
}
