// Package peers asks the modules over NATS for a user's data, on the
// user's behalf (bus.WithCaller), for their data export: each module
// answers with the caller's own data only, page by page, and a long
// track in pieces, so no answer comes near NATS's message limit. It is
// the export.Source of the client module's archives.
package peers

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/export"
	gamificationapi "github.com/athlos/athlos/modules/gamification/api"
	promoapi "github.com/athlos/athlos/modules/promo/api"
	socialapi "github.com/athlos/athlos/modules/social/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

// pageSize is the page asked of every listing (the API's most).
const pageSize = 100

// Source is the export.Source of one user over nc.
type Source struct {
	nc     *nats.Conn
	caller bus.Caller
}

// New returns the sources of users' data over nc (service.ExportSources).
func New(nc *nats.Conn) func(user uuid.UUID, role string) export.Source {
	return func(user uuid.UUID, role string) export.Source {
		return &Source{nc: nc, caller: bus.Caller{UserID: user.String(), Role: role}}
	}
}

func (s *Source) ctx(ctx context.Context) context.Context { return bus.WithCaller(ctx, s.caller) }

func (s *Source) raw(ctx context.Context, subject string, req any) (json.RawMessage, error) {
	return bus.Call[any, json.RawMessage](s.ctx(ctx), s.nc, subject, req)
}

// page asks subject for a page ({items, next_cursor}).
func (s *Source) page(ctx context.Context, subject string, req any) (export.Page, error) {
	p, err := bus.Call[any, struct {
		Items      []json.RawMessage `json:"items"`
		NextCursor *string           `json:"next_cursor"`
	}](s.ctx(ctx), s.nc, subject, req)
	if err != nil {
		return export.Page{}, err
	}
	out := export.Page{Items: p.Items}
	if p.NextCursor != nil {
		out.Next = *p.NextCursor
	}
	return out, nil
}

// Profile answers rpc.client.profile.get.
func (s *Source) Profile(ctx context.Context) (json.RawMessage, error) {
	return s.raw(ctx, api.SubjectProfileGet, struct{}{})
}

// GearPage answers rpc.client.gear.list (retired items too).
func (s *Source) GearPage(ctx context.Context, cursor string) (export.Page, error) {
	return s.page(ctx, api.SubjectGearList, api.GearListRequest{Limit: pageSize, Cursor: cursor})
}

// SessionPage answers rpc.training.sessions.list: the caller's own.
func (s *Source) SessionPage(ctx context.Context, cursor string) (export.Page, error) {
	return s.page(ctx, trainingapi.SubjectSessionList, trainingapi.SessionListRequest{Limit: pageSize, Cursor: cursor})
}

// GPX copies a session's track from rpc.training.export.gpx, piece by
// piece.
func (s *Source) GPX(ctx context.Context, sessionID string, w io.Writer) error {
	var offset int64
	for {
		c, err := bus.Call[trainingapi.ExportGPXRequest, trainingapi.ExportChunk](s.ctx(ctx), s.nc, trainingapi.SubjectExportGPX,
			trainingapi.ExportGPXRequest{SessionID: sessionID, Offset: offset})
		if code := bus.CodeOf(err); code == bus.CodeConflict || code == bus.CodeNotFound {
			return export.ErrNoRoute
		}
		if err != nil {
			return err
		}
		if c.Offset != offset || (len(c.Data) == 0 && offset < c.Total) {
			return errors.New("peers: a GPX piece out of order")
		}
		if _, err := w.Write(c.Data); err != nil {
			return err
		}
		offset += int64(len(c.Data))
		if offset >= c.Total {
			return nil
		}
	}
}

// SourceFile copies an imported session's original file from
// rpc.training.export.source, piece by piece.
func (s *Source) SourceFile(ctx context.Context, sessionID string, w io.Writer) (string, error) {
	var offset int64
	for {
		c, err := bus.Call[trainingapi.ExportSourceRequest, trainingapi.ExportChunk](s.ctx(ctx), s.nc, trainingapi.SubjectExportSource,
			trainingapi.ExportSourceRequest{SessionID: sessionID, Offset: offset})
		if bus.CodeOf(err) == bus.CodeNotFound {
			return "", export.ErrNoRoute
		}
		if err != nil {
			return "", err
		}
		if c.Offset != offset || (len(c.Data) == 0 && offset < c.Total) || !validExt(c.Ext) {
			return "", errors.New("peers: an original file's piece out of order or of an unknown kind")
		}
		if _, err := w.Write(c.Data); err != nil {
			return "", err
		}
		offset += int64(len(c.Data))
		if offset >= c.Total {
			return c.Ext, nil
		}
	}
}

// validExt tells whether ext is one training names an original file by
// (it becomes part of a name in the archive).
func validExt(ext string) bool {
	base, _ := strings.CutSuffix(ext, ".gz")
	return base == "gpx" || base == "tcx" || base == "fit"
}

// PlanPage lists the caller's plans (rpc.training.plans.list) and answers
// each whole (rpc.training.plans.get).
func (s *Source) PlanPage(ctx context.Context, cursor string) (export.Page, error) {
	p, err := s.page(ctx, trainingapi.SubjectPlanList, trainingapi.PlanListRequest{Limit: pageSize, Cursor: cursor})
	if err != nil {
		return p, err
	}
	for i, it := range p.Items {
		var ref struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(it, &ref); err != nil {
			return p, err
		}
		plan, err := s.raw(ctx, trainingapi.SubjectPlanGet, trainingapi.PlanGetRequest{ID: ref.ID})
		if err != nil {
			return p, err
		}
		p.Items[i] = plan
	}
	return p, nil
}

// MembershipPage answers rpc.social.export.memberships.
func (s *Source) MembershipPage(ctx context.Context, cursor string) (export.Page, error) {
	return s.page(ctx, socialapi.SubjectExportMemberships, socialapi.ExportPageRequest{Limit: pageSize, Cursor: cursor})
}

// MessagePage answers rpc.social.export.messages.
func (s *Source) MessagePage(ctx context.Context, cursor string) (export.Page, error) {
	return s.page(ctx, socialapi.SubjectExportMessages, socialapi.ExportPageRequest{Limit: pageSize, Cursor: cursor})
}

// Achievements answers rpc.gamification.achievements.mine.
func (s *Source) Achievements(ctx context.Context) (json.RawMessage, error) {
	return s.raw(ctx, gamificationapi.SubjectMyAchievements, struct{}{})
}

// ChallengePage answers rpc.gamification.challenges.list, filter mine.
func (s *Source) ChallengePage(ctx context.Context, cursor string) (export.Page, error) {
	return s.page(ctx, gamificationapi.SubjectChallengeList, gamificationapi.ChallengeListRequest{Filter: "mine", Limit: pageSize, Cursor: cursor})
}

// MarketingConsent answers rpc.promo.consent.get; export.ErrUnavailable
// when the promo module does not run (the part is optional).
func (s *Source) MarketingConsent(ctx context.Context) (json.RawMessage, error) {
	c, err := s.raw(ctx, promoapi.SubjectConsentGet, struct{}{})
	if bus.CodeOf(err) == bus.CodeUnavailable {
		return nil, export.ErrUnavailable
	}
	return c, err
}
