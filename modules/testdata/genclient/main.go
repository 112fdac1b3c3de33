// Command genclient calls every operation of a running Athlos through the
// Go client that oapi-codegen generates from /openapi.json with its
// default configuration (package athlosclient), and clears a profile
// field with null through the one generated with nullable-type (package
// athlosnullable), as an app team would, with no hand edits. It is built
// and run by TestGeneratedGoClientCallsEveryOperation (modules); it prints
// the operation ids it called, one a line, and exits 1 at the first
// answer that is not what the document promises.
//
// It lives in testdata: the packages it imports exist only in the
// temporary module the test generates.
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"time"

	"example.com/genclient/athlosclient"
	"example.com/genclient/athlosnullable"
	"github.com/oapi-codegen/nullable"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

func main() {
	if err := run(context.Background(), os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "genclient:", err)
		os.Exit(1)
	}
}

// check fails unless the answer has status want and its typed body was
// decoded (ok).
func check(op string, status, want int, ok bool, body []byte) error {
	if status != want {
		return fmt.Errorf("%s: status %d, want %d: %.300s", op, status, want, body)
	}
	if !ok {
		return fmt.Errorf("%s: status %d but the typed body is missing: %.300s", op, status, body)
	}
	fmt.Println(op)
	return nil
}

func run(ctx context.Context, base string) error {
	anon, err := athlosclient.NewClientWithResponses(base)
	if err != nil {
		return err
	}
	var token string
	auth := athlosclient.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	})
	c, err := athlosclient.NewClientWithResponses(base, auth)
	if err != nil {
		return err
	}

	jwks, err := anon.JwksWithResponse(ctx, nil)
	if err != nil {
		return err
	}
	if err := check("jwks", jwks.StatusCode(), 200, jwks.JSON200 != nil, jwks.Body); err != nil {
		return err
	}
	st, err := anon.GetModuleStatusWithResponse(ctx, athlosclient.ModuleTraining, nil)
	if err != nil {
		return err
	}
	if err := check("get-module-status", st.StatusCode(), 200, st.JSON200 != nil && st.JSON200.Module == "training", st.Body); err != nil {
		return err
	}

	email, password := fmt.Sprintf("genclient-%d@example.com", time.Now().UnixNano()), "correct horse battery staple"
	first := "Ana"
	reg, err := anon.RegisterWithResponse(ctx, athlosclient.RegisterRequest{Email: email, Password: password, FirstName: &first})
	if err != nil {
		return err
	}
	if err := check("register", reg.StatusCode(), 201, reg.JSON201 != nil, reg.Body); err != nil {
		return err
	}
	login, err := anon.LoginWithResponse(ctx, athlosclient.LoginRequest{Email: email, Password: password, DeviceToken: reg.JSON201.DeviceToken})
	if err != nil {
		return err
	}
	if err := check("login", login.StatusCode(), 200, login.JSON200 != nil, login.Body); err != nil {
		return err
	}
	ref, err := anon.RefreshWithResponse(ctx, athlosclient.RefreshRequest{RefreshToken: login.JSON200.RefreshToken})
	if err != nil {
		return err
	}
	if err := check("refresh", ref.StatusCode(), 200, ref.JSON200 != nil, ref.Body); err != nil {
		return err
	}
	token = ref.JSON200.AccessToken

	me, err := c.GetMeWithResponse(ctx, nil)
	if err != nil {
		return err
	}
	if err := check("get-me", me.StatusCode(), 200, me.JSON200 != nil && me.JSON200.FirstName == "Ana", me.Body); err != nil {
		return err
	}
	// Unchanged since: 304, with no body.
	tag := me.HTTPResponse.Header.Get("ETag")
	same, err := c.GetMeWithResponse(ctx, &athlosclient.GetMeParams{IfNoneMatch: &tag})
	if err != nil {
		return err
	}
	if err := check("get-me", same.StatusCode(), 304, same.JSON200 == nil && len(same.Body) == 0, same.Body); err != nil {
		return err
	}
	if err := marketing(ctx, c); err != nil {
		return err
	}
	weight := 61.5
	sex := athlosclient.ProfilePatchSexFemale
	pm, err := c.PatchMeWithResponse(ctx, athlosclient.ProfilePatch{WeightKg: &weight, Sex: &sex})
	if err != nil {
		return err
	}
	if err := check("patch-me", pm.StatusCode(), 200, pm.JSON200 != nil && pm.JSON200.WeightKg != nil && *pm.JSON200.WeightKg == weight, pm.Body); err != nil {
		return err
	}
	// Clearing with null needs a client that tells null from absent.
	nc, err := athlosnullable.NewClientWithResponses(base, athlosnullable.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}))
	if err != nil {
		return err
	}
	cleared, err := nc.PatchMeWithResponse(ctx, athlosnullable.ProfilePatch{WeightKg: nullable.NewNullNullable[float64](),
		Sex: nullable.NewNullNullable[athlosnullable.ProfilePatchSex]()})
	if err != nil {
		return err
	}
	if cleared.StatusCode() != 200 || cleared.JSON200 == nil || !cleared.JSON200.WeightKg.IsNull() || !cleared.JSON200.Sex.IsNull() {
		return fmt.Errorf("patch-me with null: status %d: %.300s", cleared.StatusCode(), cleared.Body)
	}
	rt, err := c.GetRealtimeWithResponse(ctx, nil)
	if err != nil {
		return err
	}
	if err := check("get-realtime", rt.StatusCode(), 200, rt.JSON200 != nil, rt.Body); err != nil {
		return err
	}

	// Gear.
	nick := "red shoes"
	key := `"genclient-gear-1"`
	gear, err := c.CreateGearWithResponse(ctx, &athlosclient.CreateGearParams{IdempotencyKey: &key},
		athlosclient.GearCreate{Type: athlosclient.GearCreateTypeShoes, Nickname: &nick})
	if err != nil {
		return err
	}
	if err := check("create-gear", gear.StatusCode(), 201, gear.JSON201 != nil, gear.Body); err != nil {
		return err
	}
	// Sent again with the key (its answer was lost): the same item.
	retry, err := c.CreateGearWithResponse(ctx, &athlosclient.CreateGearParams{IdempotencyKey: &key},
		athlosclient.GearCreate{Type: athlosclient.GearCreateTypeShoes, Nickname: &nick})
	if err != nil {
		return err
	}
	if err := check("create-gear", retry.StatusCode(), 201, retry.JSON201 != nil && retry.JSON201.Id == gear.JSON201.Id, retry.Body); err != nil {
		return err
	}
	gl, err := c.ListGearWithResponse(ctx, &athlosclient.ListGearParams{})
	if err != nil {
		return err
	}
	if err := check("list-gear", gl.StatusCode(), 200, gl.JSON200 != nil && len(gl.JSON200.Items) == 1, gl.Body); err != nil {
		return err
	}
	gg, err := c.GetGearWithResponse(ctx, gear.JSON201.Id, nil)
	if err != nil {
		return err
	}
	if err := check("get-gear", gg.StatusCode(), 200, gg.JSON200 != nil, gg.Body); err != nil {
		return err
	}
	retired := true
	gu, err := c.UpdateGearWithResponse(ctx, gear.JSON201.Id, athlosclient.GearPatch{Retired: &retired})
	if err != nil {
		return err
	}
	if err := check("update-gear", gu.StatusCode(), 200, gu.JSON200 != nil && gu.JSON200.Retired, gu.Body); err != nil {
		return err
	}
	gd, err := c.DeleteGearWithResponse(ctx, gear.JSON201.Id)
	if err != nil {
		return err
	}
	if err := check("delete-gear", gd.StatusCode(), 204, true, gd.Body); err != nil {
		return err
	}

	// Devices.
	dev, err := c.CreateDeviceWithResponse(ctx, nil, athlosclient.DeviceCreate{Kind: athlosclient.DeviceCreateKindWatch,
		Sensors: &[]athlosclient.DeviceCreateSensors{athlosclient.DeviceCreateSensorsGps, athlosclient.DeviceCreateSensorsHeartRate}})
	if err != nil {
		return err
	}
	if err := check("create-device", dev.StatusCode(), 201, dev.JSON201 != nil, dev.Body); err != nil {
		return err
	}
	dl, err := c.ListDevicesWithResponse(ctx, &athlosclient.ListDevicesParams{})
	if err != nil {
		return err
	}
	if err := check("list-devices", dl.StatusCode(), 200, dl.JSON200 != nil && len(dl.JSON200.Items) == 1, dl.Body); err != nil {
		return err
	}

	// A privacy zone: added, listed, moved, deleted.
	zc, err := c.CreatePrivacyZoneWithResponse(ctx, athlosclient.PrivacyZoneCreate{
		Center: athlosclient.ZonePlace{Lat: 52.52, Lon: 13.405}, RadiusM: 500})
	if err != nil {
		return err
	}
	if err := check("create-privacy-zone", zc.StatusCode(), 201, zc.JSON201 != nil && zc.JSON201.RadiusM == 500, zc.Body); err != nil {
		return err
	}
	zl, err := c.ListPrivacyZonesWithResponse(ctx, &athlosclient.ListPrivacyZonesParams{})
	if err != nil {
		return err
	}
	if err := check("list-privacy-zones", zl.StatusCode(), 200, zl.JSON200 != nil && len(zl.JSON200.Items) == 1, zl.Body); err != nil {
		return err
	}
	radius := 800.0
	zp, err := c.PatchPrivacyZoneWithResponse(ctx, zc.JSON201.Id, athlosclient.ZoneChanges{RadiusM: &radius})
	if err != nil {
		return err
	}
	if err := check("patch-privacy-zone", zp.StatusCode(), 200, zp.JSON200 != nil && zp.JSON200.RadiusM == 800, zp.Body); err != nil {
		return err
	}
	zd, err := c.DeletePrivacyZoneWithResponse(ctx, zc.JSON201.Id)
	if err != nil {
		return err
	}
	if err := check("delete-privacy-zone", zd.StatusCode(), 204, true, zd.Body); err != nil {
		return err
	}

	// A live session: points, pause, resume, finish, and its route.
	title := "genclient run"
	vis := athlosclient.SessionStartVisibilityPublic
	ss, err := c.StartSessionWithResponse(ctx, nil, athlosclient.SessionStart{Sport: athlosclient.SessionStartSportRun, Title: &title,
		Visibility: &vis, DeviceId: &dev.JSON201.Id})
	if err != nil {
		return err
	}
	if err := check("start-session", ss.StatusCode(), 201, ss.JSON201 != nil && ss.JSON201.Summary == nil, ss.Body); err != nil {
		return err
	}
	id := ss.JSON201.Id
	var points []athlosclient.TelemetryPoint
	for i := range 120 {
		lat, lon, hr := 52.5+float64(i)*0.00003, 13.4, int64(130+i%20)
		points = append(points, athlosclient.TelemetryPoint{T: ss.JSON201.StartedAt.Add(time.Duration(i) * time.Second),
			Lat: &lat, Lon: &lon, Hr: &hr})
	}
	pts, err := c.AddSessionPointsWithResponse(ctx, id, athlosclient.TelemetryMessage{Points: points})
	if err != nil {
		return err
	}
	if err := check("add-session-points", pts.StatusCode(), 200, pts.JSON200 != nil && pts.JSON200.Accepted == 120, pts.Body); err != nil {
		return err
	}
	sh, err := c.ShareSessionWithResponse(ctx, id, nil)
	if err != nil {
		return err
	}
	if err := check("share-session", sh.StatusCode(), 200, sh.JSON200 != nil && sh.JSON200.ShareToken != "", sh.Body); err != nil {
		return err
	}
	w, err := c.WatchSessionWithResponse(ctx, id, athlosclient.WatchInputBody{ShareToken: &sh.JSON200.ShareToken})
	if err != nil {
		return err
	}
	if err := check("watch-session", w.StatusCode(), 200, w.JSON200 != nil && w.JSON200.Subject != "", w.Body); err != nil {
		return err
	}
	lv, err := anon.GetLiveViewWithResponse(ctx, sh.JSON200.ShareToken)
	if err != nil {
		return err
	}
	if err := check("get-live-view", lv.StatusCode(), 200, lv.JSON200 != nil && lv.JSON200.Subject != "" && lv.JSON200.NatsToken != "", lv.Body); err != nil {
		return err
	}
	us, err := c.UnshareSessionWithResponse(ctx, id)
	if err != nil {
		return err
	}
	if err := check("unshare-session", us.StatusCode(), 204, true, us.Body); err != nil {
		return err
	}
	pa, err := c.PauseSessionWithResponse(ctx, id)
	if err != nil {
		return err
	}
	if err := check("pause-session", pa.StatusCode(), 200, pa.JSON200 != nil && string(pa.JSON200.State) == "paused", pa.Body); err != nil {
		return err
	}
	re, err := c.ResumeSessionWithResponse(ctx, id)
	if err != nil {
		return err
	}
	if err := check("resume-session", re.StatusCode(), 200, re.JSON200 != nil && string(re.JSON200.State) == "active", re.Body); err != nil {
		return err
	}
	fin, err := c.FinishSessionWithResponse(ctx, id)
	if err != nil {
		return err
	}
	if err := check("finish-session", fin.StatusCode(), 200, fin.JSON200 != nil && fin.JSON200.Summary != nil, fin.Body); err != nil {
		return err
	}
	gs, err := c.GetSessionWithResponse(ctx, id, nil)
	if err != nil {
		return err
	}
	if err := check("get-session", gs.StatusCode(), 200, gs.JSON200 != nil && gs.JSON200.Summary != nil && gs.JSON200.Summary.Points == 120, gs.Body); err != nil {
		return err
	}
	run := athlosclient.ListSessionsParamsSportRun
	ls, err := c.ListSessionsWithResponse(ctx, &athlosclient.ListSessionsParams{Sport: &run})
	if err != nil {
		return err
	}
	if err := check("list-sessions", ls.StatusCode(), 200, ls.JSON200 != nil && len(ls.JSON200.Items) == 1, ls.Body); err != nil {
		return err
	}
	simplified := true
	route, err := c.SessionRouteWithResponse(ctx, id, &athlosclient.SessionRouteParams{Simplified: &simplified})
	if err != nil {
		return err
	}
	if err := check("session-route", route.StatusCode(), 200, route.ApplicationgeoJSON200 != nil &&
		len(route.ApplicationgeoJSON200.Geometry.Coordinates) >= 2, route.Body); err != nil {
		return err
	}
	gpx, err := c.SessionGpxWithResponse(ctx, id, nil)
	if err != nil {
		return err
	}
	if err := check("session-gpx", gpx.StatusCode(), 200, strings.HasPrefix(gpx.HTTPResponse.Header.Get("Content-Type"), "application/gpx+xml") &&
		bytes.Contains(gpx.Body, []byte("<trkpt")), gpx.Body); err != nil {
		return err
	}
	notes := "easy"
	ps, err := c.PatchSessionWithResponse(ctx, id, athlosclient.SessionChanges{Notes: &notes})
	if err != nil {
		return err
	}
	if err := check("patch-session", ps.StatusCode(), 200, ps.JSON200 != nil && ps.JSON200.Notes == "easy", ps.Body); err != nil {
		return err
	}

	// Exercises: one of the caller's own, done in the session; its laps.
	ex, err := c.CreateExerciseWithResponse(ctx, nil, athlosclient.ExerciseCreate{Name: "genclient press",
		Equipment: athlosclient.ExerciseCreateEquipmentDumbbell, MuscleGroups: []athlosclient.ExerciseCreateMuscleGroups{athlosclient.ExerciseCreateMuscleGroupsChest}})
	if err != nil {
		return err
	}
	if err := check("create-exercise", ex.StatusCode(), 201, ex.JSON201 != nil, ex.Body); err != nil {
		return err
	}
	ge, err := c.GetExerciseWithResponse(ctx, ex.JSON201.Id, nil)
	if err != nil {
		return err
	}
	if err := check("get-exercise", ge.StatusCode(), 200, ge.JSON200 != nil, ge.Body); err != nil {
		return err
	}
	exName := "genclient bench press"
	pe, err := c.PatchExerciseWithResponse(ctx, ex.JSON201.Id, athlosclient.ExerciseChanges{Name: &exName})
	if err != nil {
		return err
	}
	if err := check("patch-exercise", pe.StatusCode(), 200, pe.JSON200 != nil, pe.Body); err != nil {
		return err
	}
	le, err := c.ListExercisesWithResponse(ctx, &athlosclient.ListExercisesParams{})
	if err != nil {
		return err
	}
	if err := check("list-exercises", le.StatusCode(), 200, le.JSON200 != nil && len(le.JSON200.Items) > 0, le.Body); err != nil {
		return err
	}
	reps, kg := int64(10), 20.0
	pse, err := c.PutSessionExercisesWithResponse(ctx, id, athlosclient.SessionExercisesInputBody{Exercises: []athlosclient.SessionExercise{
		{ExerciseId: ex.JSON201.Id, Sets: []athlosclient.ExerciseSet{{Reps: &reps, WeightKg: &kg}}}}})
	if err != nil {
		return err
	}
	if err := check("put-session-exercises", pse.StatusCode(), 200, pse.JSON200 != nil, pse.Body); err != nil {
		return err
	}
	emptied, err := c.PutSessionExercisesWithResponse(ctx, id, athlosclient.SessionExercisesInputBody{Exercises: []athlosclient.SessionExercise{}})
	if err != nil {
		return err
	}
	if err := check("put-session-exercises", emptied.StatusCode(), 200, emptied.JSON200 != nil, emptied.Body); err != nil {
		return err
	}
	de, err := c.DeleteExerciseWithResponse(ctx, ex.JSON201.Id)
	if err != nil {
		return err
	}
	if err := check("delete-exercise", de.StatusCode(), 204, true, de.Body); err != nil {
		return err
	}
	laps, err := c.SessionLapsWithResponse(ctx, id, nil)
	if err != nil {
		return err
	}
	if err := check("session-laps", laps.StatusCode(), 200, laps.JSON200 != nil, laps.Body); err != nil {
		return err
	}

	// Import the GPX back: the same figures, as another session.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	part, err := mw.CreateFormFile("file", "run.gpx")
	if err != nil {
		return err
	}
	if _, err := part.Write(gpx.Body); err != nil {
		return err
	}
	if err := mw.WriteField("title", "imported"); err != nil {
		return err
	}
	if err := mw.Close(); err != nil {
		return err
	}
	im, err := c.ImportSessionWithBodyWithResponse(ctx, mw.FormDataContentType(), &form)
	if err != nil {
		return err
	}
	// The same points as the live session: imported once, then refused as
	// the same file only if it is byte for byte the same; either way a
	// typed answer.
	if im.StatusCode() == 409 {
		if err := check("import-session", im.StatusCode(), 409, im.ApplicationproblemJSON409 != nil, im.Body); err != nil {
			return err
		}
	} else if err := check("import-session", im.StatusCode(), 201, im.JSON201 != nil, im.Body); err != nil {
		return err
	}
	ds, err := c.DeleteSessionWithResponse(ctx, id)
	if err != nil {
		return err
	}
	if err := check("delete-session", ds.StatusCode(), 204, true, ds.Body); err != nil {
		return err
	}
	// An unknown id: a typed problem.
	gone, err := c.GetSessionWithResponse(ctx, id, nil)
	if err != nil {
		return err
	}
	if gone.StatusCode() != 404 || gone.ApplicationproblemJSON404 == nil || gone.ApplicationproblemJSON404.Status != 404 {
		return fmt.Errorf("get-session of a deleted session: status %d: %.300s", gone.StatusCode(), gone.Body)
	}
	dd, err := c.DeleteDeviceWithResponse(ctx, dev.JSON201.Id)
	if err != nil {
		return err
	}
	if err := check("delete-device", dd.StatusCode(), 204, true, dd.Body); err != nil {
		return err
	}

	// Analytics, recommendations and a training plan.
	period := athlosclient.AnalyticsSummaryParamsPeriodAll
	as, err := c.AnalyticsSummaryWithResponse(ctx, &athlosclient.AnalyticsSummaryParams{Period: period})
	if err != nil {
		return err
	}
	if err := check("analytics-summary", as.StatusCode(), 200, as.JSON200 != nil, as.Body); err != nil {
		return err
	}
	af, err := c.AnalyticsFitnessWithResponse(ctx, &athlosclient.AnalyticsFitnessParams{})
	if err != nil {
		return err
	}
	if err := check("analytics-fitness", af.StatusCode(), 200, af.JSON200 != nil, af.Body); err != nil {
		return err
	}
	ar, err := c.AnalyticsRecordsWithResponse(ctx, &athlosclient.AnalyticsRecordsParams{})
	if err != nil {
		return err
	}
	if err := check("analytics-records", ar.StatusCode(), 200, ar.JSON200 != nil, ar.Body); err != nil {
		return err
	}
	lr, err := c.ListRecommendationsWithResponse(ctx, &athlosclient.ListRecommendationsParams{})
	if err != nil {
		return err
	}
	if err := check("list-recommendations", lr.StatusCode(), 200, lr.JSON200 != nil, lr.Body); err != nil {
		return err
	}
	recID := "long_break"
	if len(lr.JSON200.Items) > 0 {
		recID = lr.JSON200.Items[0].Id
	}
	dr, err := c.DismissRecommendationWithResponse(ctx, recID)
	if err != nil {
		return err
	}
	if dr.StatusCode() == 404 {
		if err := check("dismiss-recommendation", dr.StatusCode(), 404, dr.ApplicationproblemJSON404 != nil, dr.Body); err != nil {
			return err
		}
	} else if err := check("dismiss-recommendation", dr.StatusCode(), 200, dr.JSON200 != nil, dr.Body); err != nil {
		return err
	}
	weeks := int64(8)
	days := []athlosclient.PlanScheduleDays{athlosclient.PlanScheduleDaysMonday, athlosclient.PlanScheduleDaysWednesday,
		athlosclient.PlanScheduleDaysFriday, athlosclient.PlanScheduleDaysSunday}
	cpl, err := c.CreatePlanWithResponse(ctx, nil, athlosclient.PlanCreate{Goal: athlosclient.PlanGoal{Kind: athlosclient.PlanGoalKindFitness, Weeks: &weeks},
		Schedule: athlosclient.PlanSchedule{Days: days, MaxMinutes: 60}})
	if err != nil {
		return err
	}
	if err := check("create-plan", cpl.StatusCode(), 201, cpl.JSON201 != nil, cpl.Body); err != nil {
		return err
	}
	planID := cpl.JSON201.Id
	gp, err := c.GetPlanWithResponse(ctx, planID, nil)
	if err != nil {
		return err
	}
	if err := check("get-plan", gp.StatusCode(), 200, gp.JSON200 != nil, gp.Body); err != nil {
		return err
	}
	lp, err := c.ListPlansWithResponse(ctx, &athlosclient.ListPlansParams{})
	if err != nil {
		return err
	}
	if err := check("list-plans", lp.StatusCode(), 200, lp.JSON200 != nil && len(lp.JSON200.Items) == 1, lp.Body); err != nil {
		return err
	}
	newDays := days[:3]
	pp, err := c.PatchPlanWithResponse(ctx, planID, athlosclient.PlanPatch{Schedule: &athlosclient.PlanSchedule{Days: newDays, MaxMinutes: 60}})
	if err != nil {
		return err
	}
	if err := check("patch-plan", pp.StatusCode(), 200, pp.JSON200 != nil, pp.Body); err != nil {
		return err
	}
	cal, err := c.PlanCalendarWithResponse(ctx, planID, nil)
	if err != nil {
		return err
	}
	if err := check("plan-calendar", cal.StatusCode(), 200, bytes.Contains(cal.Body, []byte("BEGIN:VCALENDAR")), cal.Body); err != nil {
		return err
	}
	cf, err := c.CreatePlanFeedWithResponse(ctx, planID)
	if err != nil {
		return err
	}
	if err := check("create-plan-feed", cf.StatusCode(), 201, cf.JSON201 != nil && strings.HasPrefix(cf.JSON201.Path, "/v1/calendar/"), cf.Body); err != nil {
		return err
	}
	feedToken := strings.TrimSuffix(strings.TrimPrefix(cf.JSON201.Path, "/v1/calendar/"), ".ics")
	fc, err := c.PlanFeedCalendarWithResponse(ctx, feedToken, nil)
	if err != nil {
		return err
	}
	if err := check("plan-feed-calendar", fc.StatusCode(), 200, bytes.Contains(fc.Body, []byte("BEGIN:VCALENDAR")), fc.Body); err != nil {
		return err
	}
	df, err := c.DeletePlanFeedWithResponse(ctx, planID)
	if err != nil {
		return err
	}
	if err := check("delete-plan-feed", df.StatusCode(), 204, true, df.Body); err != nil {
		return err
	}
	dp, err := c.DeletePlanWithResponse(ctx, planID)
	if err != nil {
		return err
	}
	if err := check("delete-plan", dp.StatusCode(), 204, true, dp.Body); err != nil {
		return err
	}

	// Groups.
	if err := groups(ctx, base, anon, c); err != nil {
		return err
	}
	// Notifications.
	if err := notifications(ctx, c); err != nil {
		return err
	}
	// Follows, blocks, the feed, reports.
	// Challenges (gamification, issue 14).
	if err := challenges(ctx, base, anon); err != nil {
		return err
	}
	if err := follows(ctx, base, anon); err != nil {
		return err
	}

	// The group chat (issue 13).
	if err := chat(ctx, c); err != nil {
		return err
	}

	// Achievements (gamification, issue 14).
	if err := achievements(ctx, base, anon, c); err != nil {
		return err
	}
	// Promo news (issue 15).
	if err := promoNews(ctx, base, anon, c); err != nil {
		return err
	}
	// The operators' reports (issue 13).
	if err := operatorReports(ctx, base, anon, c); err != nil {
		return err
	}
	// Promo offers (issue 15).
	if err := promoOffers(ctx, base, anon, c); err != nil {
		return err
	}

	// Two-factor sign-in (issue 17).
	if err := twoFactor(ctx, base, anon); err != nil {
		return err
	}

	// Account: password, logout, deletion.
	newPassword := "battery staple correct horse"
	cp, err := c.ChangePasswordWithResponse(ctx, athlosclient.ChangePasswordRequest{CurrentPassword: password, NewPassword: newPassword})
	if err != nil {
		return err
	}
	if err := check("change-password", cp.StatusCode(), 204, true, cp.Body); err != nil {
		return err
	}
	again, err := anon.LoginWithResponse(ctx, athlosclient.LoginRequest{Email: email, Password: newPassword})
	if err != nil {
		return err
	}
	if again.StatusCode() != 200 || again.JSON200 == nil {
		return fmt.Errorf("login with the new password: status %d: %.300s", again.StatusCode(), again.Body)
	}
	// Signing that second session out leaves this one (the password change
	// kept it) signed in.
	lo, err := anon.LogoutWithResponse(ctx, athlosclient.RefreshRequest{RefreshToken: again.JSON200.RefreshToken})
	if err != nil {
		return err
	}
	if err := check("logout", lo.StatusCode(), 204, true, lo.Body); err != nil {
		return err
	}
	if err := dataExport(ctx, c); err != nil {
		return err
	}
	// Mail (issue 17): the links' tokens reach the mailbox only, so the
	// confirmations are called with a token no link had (400 body.token).
	if err := accountMail(ctx, anon, c, email); err != nil {
		return err
	}
	del, err := c.DeleteMeWithResponse(ctx, athlosclient.DeleteAccountRequest{Password: newPassword})
	if err != nil {
		return err
	}
	if err := check("delete-me", del.StatusCode(), 204, true, del.Body); err != nil {
		return err
	}
	return nil
}

// twoFactor calls every two-factor operation: Tia enrols an authenticator
// (the code computed here, RFC 6238), signs in with a recovery code in
// answer to the login's challenge, renews her recovery codes and turns
// two-factor sign-in off.
func twoFactor(ctx context.Context, base string, anon *athlosclient.ClientWithResponses) error {
	email, password := fmt.Sprintf("genclient-tia-%d@example.com", time.Now().UnixNano()), "correct horse battery staple"
	reg, err := anon.RegisterWithResponse(ctx, athlosclient.RegisterRequest{Email: email, Password: password})
	if err != nil {
		return err
	}
	if reg.StatusCode() != 201 || reg.JSON201 == nil {
		return fmt.Errorf("register tia: status %d: %.300s", reg.StatusCode(), reg.Body)
	}
	c, err := athlosclient.NewClientWithResponses(base, athlosclient.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+reg.JSON201.AccessToken)
		return nil
	}))
	if err != nil {
		return err
	}
	st, err := c.Get2faWithResponse(ctx, nil)
	if err != nil {
		return err
	}
	if err := check("get-2fa", st.StatusCode(), 200, st.JSON200 != nil && !st.JSON200.Enabled, st.Body); err != nil {
		return err
	}
	start, err := c.StartTotpWithResponse(ctx)
	if err != nil {
		return err
	}
	if err := check("start-totp", start.StatusCode(), 200, start.JSON200 != nil && strings.HasPrefix(start.JSON200.OtpauthUri, "otpauth://totp/"), start.Body); err != nil {
		return err
	}
	code, err := totpCode(start.JSON200.Secret, time.Now())
	if err != nil {
		return err
	}
	conf, err := c.ConfirmTotpWithResponse(ctx, athlosclient.TOTPConfirmRequest{Code: code, Password: password})
	if err != nil {
		return err
	}
	if err := check("confirm-totp", conf.StatusCode(), 200, conf.JSON200 != nil && len(conf.JSON200.RecoveryCodes) == 10, conf.Body); err != nil {
		return err
	}
	codes := conf.JSON200.RecoveryCodes
	login, err := anon.LoginWithResponse(ctx, athlosclient.LoginRequest{Email: email, Password: password})
	if err != nil {
		return err
	}
	// The problem's details (SecondFactorChallenge in the document, which
	// oapi-codegen leaves out: no operation names it).
	var needed struct {
		Code    string `json:"code"`
		Details struct {
			Challenge string   `json:"challenge"`
			ExpiresIn int      `json:"expires_in"`
			Methods   []string `json:"methods"`
		} `json:"details"`
	}
	if err := json.Unmarshal(login.Body, &needed); err != nil || login.StatusCode() != 401 || login.ApplicationproblemJSON401 == nil ||
		needed.Code != "second_factor_required" || needed.Details.Challenge == "" {
		return fmt.Errorf("login with two-factor sign-in on: status %d: %.300s", login.StatusCode(), login.Body)
	}
	fmt.Println("login")
	l2, err := anon.Login2faWithResponse(ctx, athlosclient.SecondFactorLoginRequest{Challenge: needed.Details.Challenge, Code: codes[0]})
	if err != nil {
		return err
	}
	if err := check("login-2fa", l2.StatusCode(), 200, l2.JSON200 != nil && l2.JSON200.AccessToken != "", l2.Body); err != nil {
		return err
	}
	renew, err := c.RenewRecoveryCodesWithResponse(ctx, athlosclient.TwoFactorProofRequest{Password: password, Code: codes[1]})
	if err != nil {
		return err
	}
	if err := check("renew-recovery-codes", renew.StatusCode(), 200, renew.JSON200 != nil && len(renew.JSON200.RecoveryCodes) == 10, renew.Body); err != nil {
		return err
	}
	off, err := c.Disable2faWithResponse(ctx, athlosclient.TwoFactorProofRequest{Password: password, Code: renew.JSON200.RecoveryCodes[0]})
	if err != nil {
		return err
	}
	return check("disable-2fa", off.StatusCode(), 204, true, off.Body)
}

// totpCode is the RFC 6238 code (HMAC-SHA1, 6 digits, 30 s) of a base32
// secret at t, as an authenticator app computes it.
func totpCode(secret string, t time.Time) (string, error) {
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return "", err
	}
	var counter [8]byte
	binary.BigEndian.PutUint64(counter[:], uint64(t.Unix()/30))
	m := hmac.New(sha1.New, key)
	m.Write(counter[:])
	sum := m.Sum(nil)
	o := sum[len(sum)-1] & 0xf
	return fmt.Sprintf("%06d", (binary.BigEndian.Uint32(sum[o:o+4])&0x7fffffff)%1000000), nil
}

// dataExport asks for the caller's data export, waits until it is ready
// and downloads the archive.
func dataExport(ctx context.Context, c *athlosclient.ClientWithResponses) error {
	ce, err := c.CreateExportWithBodyWithResponse(ctx, "application/json", strings.NewReader("{}"))
	if err != nil {
		return err
	}
	if err := check("create-export", ce.StatusCode(), 202, ce.JSON202 != nil && string(ce.JSON202.Status) == "pending", ce.Body); err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		ge, err := c.GetExportWithResponse(ctx, nil)
		if err != nil {
			return err
		}
		if err := check("get-export", ge.StatusCode(), 200, ge.JSON200 != nil && ge.JSON200.Id == ce.JSON202.Id, ge.Body); err != nil {
			return err
		}
		if string(ge.JSON200.Status) == "ready" {
			break
		}
		if string(ge.JSON200.Status) != "pending" || time.Now().After(deadline) {
			return fmt.Errorf("get-export: status %s", ge.JSON200.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	dl, err := c.DownloadExportWithResponse(ctx, nil)
	if err != nil {
		return err
	}
	return check("download-export", dl.StatusCode(), 200, bytes.HasPrefix(dl.Body, []byte("PK\x03\x04")), nil)
}

// groups calls every group operation: Ana (c) makes a private group, Bob
// (registered here) asks to join, is rejected, approved, promoted,
// banned, let back by invitation, removed, and made the owner; Ana
// leaves and Bob closes the group.
func groups(ctx context.Context, base string, anon, c *athlosclient.ClientWithResponses) error {
	bobReg, err := anon.RegisterWithResponse(ctx, athlosclient.RegisterRequest{
		Email: fmt.Sprintf("genclient-bob-%d@example.com", time.Now().UnixNano()), Password: "correct horse battery staple"})
	if err != nil {
		return err
	}
	if bobReg.StatusCode() != 201 || bobReg.JSON201 == nil {
		return fmt.Errorf("register bob: status %d: %.300s", bobReg.StatusCode(), bobReg.Body)
	}
	bobID := bobReg.JSON201.UserId
	bob, err := athlosclient.NewClientWithResponses(base, athlosclient.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+bobReg.JSON201.AccessToken)
		return nil
	}))
	if err != nil {
		return err
	}
	vis := athlosclient.GroupCreateVisibilityPrivate
	sports := []athlosclient.GroupCreateSports{athlosclient.GroupCreateSportsRun}
	cg, err := c.CreateGroupWithResponse(ctx, nil, athlosclient.GroupCreate{Name: "Dawn Runners", Visibility: &vis, Sports: &sports,
		Place: &athlosclient.GroupPlace{Lat: 52.52, Lon: 13.405, RadiusM: 5000}})
	if err != nil {
		return err
	}
	if err := check("create-group", cg.StatusCode(), 201, cg.JSON201 != nil, cg.Body); err != nil {
		return err
	}
	id := cg.JSON201.Id
	gg, err := bob.GetGroupWithResponse(ctx, id, nil)
	if err != nil {
		return err
	}
	if err := check("get-group", gg.StatusCode(), 200, gg.JSON200 != nil && gg.JSON200.Membership == athlosclient.GroupMembershipNone, gg.Body); err != nil {
		return err
	}
	desc := "Morning runs by the river"
	ug, err := c.UpdateGroupWithResponse(ctx, id, athlosclient.GroupPatch{Description: &desc})
	if err != nil {
		return err
	}
	if err := check("update-group", ug.StatusCode(), 200, ug.JSON200 != nil && ug.JSON200.Description == desc, ug.Body); err != nil {
		return err
	}
	near, radius := "52.5,13.4", int64(20000)
	sg, err := bob.SearchGroupsWithResponse(ctx, &athlosclient.SearchGroupsParams{Near: &near, RadiusM: &radius})
	if err != nil {
		return err
	}
	if err := check("search-groups", sg.StatusCode(), 200, sg.JSON200 != nil && len(sg.JSON200.Items) == 1 && sg.JSON200.Items[0].DistanceM != nil, sg.Body); err != nil {
		return err
	}
	join := func() error {
		jg, err := bob.JoinGroupWithResponse(ctx, id, athlosclient.GroupJoinBody{})
		if err != nil {
			return err
		}
		return check("join-group", jg.StatusCode(), 200, jg.JSON200 != nil && jg.JSON200.Membership == athlosclient.JoinResultMembershipRequested, jg.Body)
	}
	if err := join(); err != nil {
		return err
	}
	lr, err := c.ListGroupRequestsWithResponse(ctx, id, &athlosclient.ListGroupRequestsParams{})
	if err != nil {
		return err
	}
	if err := check("list-group-requests", lr.StatusCode(), 200, lr.JSON200 != nil && len(lr.JSON200.Items) == 1, lr.Body); err != nil {
		return err
	}
	rr, err := c.RejectGroupRequestWithResponse(ctx, id, bobID)
	if err != nil {
		return err
	}
	if err := check("reject-group-request", rr.StatusCode(), 204, true, rr.Body); err != nil {
		return err
	}
	if err := join(); err != nil {
		return err
	}
	ar, err := c.ApproveGroupRequestWithResponse(ctx, id, bobID)
	if err != nil {
		return err
	}
	if err := check("approve-group-request", ar.StatusCode(), 200, ar.JSON200 != nil, ar.Body); err != nil {
		return err
	}
	lm, err := bob.ListGroupMembersWithResponse(ctx, id, &athlosclient.ListGroupMembersParams{})
	if err != nil {
		return err
	}
	if err := check("list-group-members", lm.StatusCode(), 200, lm.JSON200 != nil && len(lm.JSON200.Items) == 2, lm.Body); err != nil {
		return err
	}
	sr, err := c.SetGroupMemberRoleWithResponse(ctx, id, bobID, athlosclient.MemberRoleBody{Role: athlosclient.MemberRoleBodyRoleAdmin})
	if err != nil {
		return err
	}
	if err := check("set-group-member-role", sr.StatusCode(), 200, sr.JSON200 != nil, sr.Body); err != nil {
		return err
	}
	bg, err := c.BanGroupUserWithResponse(ctx, id, bobID)
	if err != nil {
		return err
	}
	if err := check("ban-group-user", bg.StatusCode(), 204, true, bg.Body); err != nil {
		return err
	}
	lb, err := c.ListGroupBansWithResponse(ctx, id, &athlosclient.ListGroupBansParams{})
	if err != nil {
		return err
	}
	if err := check("list-group-bans", lb.StatusCode(), 200, lb.JSON200 != nil && len(lb.JSON200.Items) == 1, lb.Body); err != nil {
		return err
	}
	ub, err := c.UnbanGroupUserWithResponse(ctx, id, bobID)
	if err != nil {
		return err
	}
	if err := check("unban-group-user", ub.StatusCode(), 204, true, ub.Body); err != nil {
		return err
	}
	invite := func() (string, error) {
		ci, err := c.CreateGroupInviteWithResponse(ctx, id, nil, athlosclient.InviteCreateBody{})
		if err != nil {
			return "", err
		}
		if err := check("create-group-invite", ci.StatusCode(), 201, ci.JSON201 != nil && ci.JSON201.Token != nil, ci.Body); err != nil {
			return "", err
		}
		jg, err := bob.JoinGroupWithResponse(ctx, id, athlosclient.GroupJoinBody{InviteToken: ci.JSON201.Token})
		if err != nil {
			return "", err
		}
		if jg.StatusCode() != 200 || jg.JSON200 == nil || jg.JSON200.Membership != athlosclient.JoinResultMembershipMember {
			return "", fmt.Errorf("join with an invitation: status %d: %.300s", jg.StatusCode(), jg.Body)
		}
		return ci.JSON201.Id.String(), nil
	}
	if _, err := invite(); err != nil {
		return err
	}
	li, err := c.ListGroupInvitesWithResponse(ctx, id, &athlosclient.ListGroupInvitesParams{})
	if err != nil {
		return err
	}
	if err := check("list-group-invites", li.StatusCode(), 200, li.JSON200 != nil && len(li.JSON200.Items) == 1, li.Body); err != nil {
		return err
	}
	vi, err := c.RevokeGroupInviteWithResponse(ctx, id, li.JSON200.Items[0].Id)
	if err != nil {
		return err
	}
	if err := check("revoke-group-invite", vi.StatusCode(), 204, true, vi.Body); err != nil {
		return err
	}
	rm, err := c.RemoveGroupMemberWithResponse(ctx, id, bobID)
	if err != nil {
		return err
	}
	if err := check("remove-group-member", rm.StatusCode(), 204, true, rm.Body); err != nil {
		return err
	}
	if _, err := invite(); err != nil {
		return err
	}
	tg, err := c.TransferGroupWithResponse(ctx, id, athlosclient.TransferBody{UserId: bobID})
	if err != nil {
		return err
	}
	if err := check("transfer-group", tg.StatusCode(), 200, tg.JSON200 != nil && tg.JSON200.OwnerId == bobID, tg.Body); err != nil {
		return err
	}
	lg, err := c.LeaveGroupWithResponse(ctx, id)
	if err != nil {
		return err
	}
	if err := check("leave-group", lg.StatusCode(), 204, true, lg.Body); err != nil {
		return err
	}
	dg, err := bob.DeleteGroupWithResponse(ctx, id)
	if err != nil {
		return err
	}
	return check("delete-group", dg.StatusCode(), 204, true, dg.Body)
}

// notifications calls every notification operation: Ana (c) mutes and
// unmutes a group of hers, changes her settings, registers a phone, lists
// and deletes it, reads her (empty) inbox, marks an unknown notification
// read (404) and all of them read.
func notifications(ctx context.Context, c *athlosclient.ClientWithResponses) error {
	cg, err := c.CreateGroupWithResponse(ctx, nil, athlosclient.GroupCreate{Name: "Quiet Club"})
	if err != nil {
		return err
	}
	if cg.StatusCode() != 201 || cg.JSON201 == nil {
		return fmt.Errorf("create a group to mute: status %d: %.300s", cg.StatusCode(), cg.Body)
	}
	id := cg.JSON201.Id
	mg, err := c.MuteGroupWithResponse(ctx, id)
	if err != nil {
		return err
	}
	if err := check("mute-group", mg.StatusCode(), 204, true, mg.Body); err != nil {
		return err
	}
	gs, err := c.GetNotificationSettingsWithResponse(ctx, nil)
	if err != nil {
		return err
	}
	if err := check("get-notification-settings", gs.StatusCode(), 200, gs.JSON200 != nil && len(gs.JSON200.MutedGroups) == 1 &&
		gs.JSON200.MutedGroups[0] == id.String(), gs.Body); err != nil {
		return err
	}
	ug, err := c.UnmuteGroupWithResponse(ctx, id)
	if err != nil {
		return err
	}
	if err := check("unmute-group", ug.StatusCode(), 204, true, ug.Body); err != nil {
		return err
	}
	kinds := []athlosclient.NotificationSettingsPatchMutedKinds{athlosclient.NotificationSettingsPatchMutedKindsAchievement}
	off := false
	us, err := c.UpdateNotificationSettingsWithResponse(ctx, athlosclient.NotificationSettingsPatch{MutedKinds: &kinds, PushEnabled: &off})
	if err != nil {
		return err
	}
	if err := check("update-notification-settings", us.StatusCode(), 200, us.JSON200 != nil && !us.JSON200.PushEnabled &&
		len(us.JSON200.MutedKinds) == 1, us.Body); err != nil {
		return err
	}
	token := strings.Repeat("0f", 32)
	ap, err := c.AddPushTokenWithResponse(ctx, athlosclient.PushTokenCreate{Platform: athlosclient.PushTokenCreatePlatformApns, Token: token})
	if err != nil {
		return err
	}
	if err := check("add-push-token", ap.StatusCode(), 201, ap.JSON201 != nil && ap.JSON201.TokenEnd == token[56:], ap.Body); err != nil {
		return err
	}
	lp, err := c.ListPushTokensWithResponse(ctx, nil)
	if err != nil {
		return err
	}
	if err := check("list-push-tokens", lp.StatusCode(), 200, lp.JSON200 != nil && len(lp.JSON200.Items) == 1, lp.Body); err != nil {
		return err
	}
	dp, err := c.DeletePushTokenWithResponse(ctx, ap.JSON201.Id)
	if err != nil {
		return err
	}
	if err := check("delete-push-token", dp.StatusCode(), 204, true, dp.Body); err != nil {
		return err
	}
	ln, err := c.ListNotificationsWithResponse(ctx, &athlosclient.ListNotificationsParams{})
	if err != nil {
		return err
	}
	if err := check("list-notifications", ln.StatusCode(), 200, ln.JSON200 != nil && ln.JSON200.UnreadCount == 0, ln.Body); err != nil {
		return err
	}
	rn, err := c.ReadNotificationWithResponse(ctx, id)
	if err != nil {
		return err
	}
	if err := check("read-notification", rn.StatusCode(), 404, rn.ApplicationproblemJSON404 != nil, rn.Body); err != nil {
		return err
	}
	ra, err := c.ReadAllNotificationsWithResponse(ctx)
	if err != nil {
		return err
	}
	if err := check("read-all-notifications", ra.StatusCode(), 200, ra.JSON200 != nil && ra.JSON200.Marked == 0, ra.Body); err != nil {
		return err
	}
	dg, err := c.DeleteGroupWithResponse(ctx, id)
	if err != nil {
		return err
	}
	return check("delete-group", dg.StatusCode(), 204, true, dg.Body)
}

// chat calls the group chat's operations in a group of the caller's own.
func chat(ctx context.Context, c *athlosclient.ClientWithResponses) error {
	cg, err := c.CreateGroupWithResponse(ctx, nil, athlosclient.GroupCreate{Name: "genclient chat"})
	if err != nil {
		return err
	}
	if err := check("create-group", cg.StatusCode(), 201, cg.JSON201 != nil, cg.Body); err != nil {
		return err
	}
	group := cg.JSON201.Id
	txn := "genclient-1"
	pm, err := c.PostMessageWithResponse(ctx, group, athlosclient.ChatPost{Text: "<b>plain</b> text", TxnId: &txn})
	if err != nil {
		return err
	}
	if err := check("post-message", pm.StatusCode(), 201, pm.JSON201 != nil && pm.JSON201.Text == "<b>plain</b> text", pm.Body); err != nil {
		return err
	}
	id := pm.JSON201.Id
	limit := int64(10)
	lm, err := c.ListMessagesWithResponse(ctx, group, &athlosclient.ListMessagesParams{Limit: &limit})
	if err != nil {
		return err
	}
	if err := check("list-messages", lm.StatusCode(), 200, lm.JSON200 != nil && len(lm.JSON200.Items) == 1, lm.Body); err != nil {
		return err
	}
	gm, err := c.GetMessageWithResponse(ctx, group, id, nil)
	if err != nil {
		return err
	}
	if err := check("get-message", gm.StatusCode(), 200, gm.JSON200 != nil && gm.JSON200.Id == id, gm.Body); err != nil {
		return err
	}
	em, err := c.EditMessageWithResponse(ctx, group, id, athlosclient.ChatEdit{Text: "edited"})
	if err != nil {
		return err
	}
	if err := check("edit-message", em.StatusCode(), 200, em.JSON200 != nil && em.JSON200.EditedAt != nil, em.Body); err != nil {
		return err
	}
	ar, err := c.AddReactionWithResponse(ctx, group, id, "👍")
	if err != nil {
		return err
	}
	if err := check("add-reaction", ar.StatusCode(), 200, ar.JSON200 != nil && len(ar.JSON200.Reactions) == 1, ar.Body); err != nil {
		return err
	}
	rr, err := c.RemoveReactionWithResponse(ctx, group, id, "👍")
	if err != nil {
		return err
	}
	if err := check("remove-reaction", rr.StatusCode(), 200, rr.JSON200 != nil && len(rr.JSON200.Reactions) == 0, rr.Body); err != nil {
		return err
	}
	mr, err := c.MarkGroupReadWithResponse(ctx, group, athlosclient.ChatRead{MessageId: &id})
	if err != nil {
		return err
	}
	if err := check("mark-group-read", mr.StatusCode(), 200, mr.JSON200 != nil && mr.JSON200.LastReadId == id, mr.Body); err != nil {
		return err
	}
	un, err := c.GetUnreadWithResponse(ctx, nil)
	if err != nil {
		return err
	}
	if err := check("get-unread", un.StatusCode(), 200, un.JSON200 != nil && un.JSON200.Total == 0, un.Body); err != nil {
		return err
	}
	ma, err := c.MarkAllReadWithResponse(ctx)
	if err != nil {
		return err
	}
	if err := check("mark-all-read", ma.StatusCode(), 200, ma.JSON200 != nil, ma.Body); err != nil {
		return err
	}
	dm, err := c.DeleteMessageWithResponse(ctx, group, id)
	if err != nil {
		return err
	}
	return check("delete-message", dm.StatusCode(), 204, true, dm.Body)
}

// accountMail calls the mail operations: a password reset asked for
// email, its confirmation and an email verification with a token no link
// had (400), and a new verification link for c's account.
func accountMail(ctx context.Context, anon, c *athlosclient.ClientWithResponses, email string) error {
	pr, err := anon.RequestPasswordResetWithResponse(ctx, athlosclient.PasswordResetRequest{Email: email})
	if err != nil {
		return err
	}
	if err := check("request-password-reset", pr.StatusCode(), 202, true, pr.Body); err != nil {
		return err
	}
	unknown := strings.Repeat("A", 43)
	pc, err := anon.ConfirmPasswordResetWithResponse(ctx, athlosclient.PasswordResetConfirmRequest{Token: unknown,
		Password: "a password nobody sets"})
	if err != nil {
		return err
	}
	if err := check("confirm-password-reset", pc.StatusCode(), 400, strings.Contains(string(pc.Body), "body.token"), pc.Body); err != nil {
		return err
	}
	ve, err := anon.VerifyEmailWithResponse(ctx, athlosclient.VerifyEmailRequest{Token: unknown})
	if err != nil {
		return err
	}
	if err := check("verify-email", ve.StatusCode(), 400, strings.Contains(string(ve.Body), "body.token"), ve.Body); err != nil {
		return err
	}
	rs, err := c.ResendEmailVerificationWithResponse(ctx)
	if err != nil {
		return err
	}
	return check("resend-email-verification", rs.StatusCode(), 202, true, rs.Body)
}

// newUser registers a user and returns its id and a client signed in as it.
func newUser(ctx context.Context, base string, anon *athlosclient.ClientWithResponses, name string) (openapi_types.UUID, *athlosclient.ClientWithResponses, error) {
	reg, err := anon.RegisterWithResponse(ctx, athlosclient.RegisterRequest{
		Email: fmt.Sprintf("genclient-%s-%d@example.com", name, time.Now().UnixNano()), Password: "correct horse battery staple"})
	if err != nil {
		return openapi_types.UUID{}, nil, err
	}
	if reg.StatusCode() != 201 || reg.JSON201 == nil {
		return openapi_types.UUID{}, nil, fmt.Errorf("register %s: status %d: %.300s", name, reg.StatusCode(), reg.Body)
	}
	c, err := athlosclient.NewClientWithResponses(base, athlosclient.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+reg.JSON201.AccessToken)
		return nil
	}))
	return reg.JSON201.UserId, c, err
}

// follows calls every follow, block, feed and report operation: Sam
// approves followers; Fay asks to follow, is rejected, approved, removed,
// asks again and withdraws; Fay reads her feed and reports Sam in a
// group; Sam resolves it, blocks Fay and lifts the block.
func follows(ctx context.Context, base string, anon *athlosclient.ClientWithResponses) error {
	samID, sam, err := newUser(ctx, base, anon, "sam")
	if err != nil {
		return err
	}
	fayID, fay, err := newUser(ctx, base, anon, "fay")
	if err != nil {
		return err
	}
	on := true
	us, err := sam.UpdateSocialSettingsWithResponse(ctx, athlosclient.SocialSettingsPatch{ApproveFollowers: &on})
	if err != nil {
		return err
	}
	if err := check("update-social-settings", us.StatusCode(), 200, us.JSON200 != nil && us.JSON200.ApproveFollowers, us.Body); err != nil {
		return err
	}
	gs, err := sam.GetSocialSettingsWithResponse(ctx, nil)
	if err != nil {
		return err
	}
	if err := check("get-social-settings", gs.StatusCode(), 200, gs.JSON200 != nil && gs.JSON200.ApproveFollowers, gs.Body); err != nil {
		return err
	}
	// Social learns of new users by event: a follow may be 404 for a moment.
	ask := func() error {
		var fu *athlosclient.FollowUserResponse
		for range 250 {
			if fu, err = fay.FollowUserWithResponse(ctx, samID); err != nil {
				return err
			}
			if fu.StatusCode() != 404 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		return check("follow-user", fu.StatusCode(), 200, fu.JSON200 != nil && fu.JSON200.State == athlosclient.FollowResultStateRequested, fu.Body)
	}
	if err := ask(); err != nil {
		return err
	}
	lr, err := sam.ListFollowRequestsWithResponse(ctx, &athlosclient.ListFollowRequestsParams{})
	if err != nil {
		return err
	}
	if err := check("list-follow-requests", lr.StatusCode(), 200, lr.JSON200 != nil && len(lr.JSON200.Items) == 1, lr.Body); err != nil {
		return err
	}
	rj, err := sam.RejectFollowRequestWithResponse(ctx, fayID)
	if err != nil {
		return err
	}
	if err := check("reject-follow-request", rj.StatusCode(), 204, true, rj.Body); err != nil {
		return err
	}
	if err := ask(); err != nil {
		return err
	}
	ap, err := sam.ApproveFollowRequestWithResponse(ctx, fayID)
	if err != nil {
		return err
	}
	if err := check("approve-follow-request", ap.StatusCode(), 200, ap.JSON200 != nil && ap.JSON200.UserId == fayID, ap.Body); err != nil {
		return err
	}
	lf, err := fay.ListFollowersWithResponse(ctx, samID, &athlosclient.ListFollowersParams{})
	if err != nil {
		return err
	}
	if err := check("list-followers", lf.StatusCode(), 200, lf.JSON200 != nil && len(lf.JSON200.Items) == 1, lf.Body); err != nil {
		return err
	}
	lg, err := fay.ListFollowingWithResponse(ctx, fayID, &athlosclient.ListFollowingParams{}) // her own: social may not know her yet
	if err != nil {
		return err
	}
	if err := check("list-following", lg.StatusCode(), 200, lg.JSON200 != nil && len(lg.JSON200.Items) == 1, lg.Body); err != nil {
		return err
	}
	fd, err := fay.GetFeedWithResponse(ctx, &athlosclient.GetFeedParams{})
	if err != nil {
		return err
	}
	if err := check("get-feed", fd.StatusCode(), 200, fd.JSON200 != nil, fd.Body); err != nil {
		return err
	}
	// Leaderboards: Fay's place on the all-time distance board (she may
	// have none yet: the answer is there all the same).
	all, limit := athlosclient.GetLeaderboardParamsPeriodAll, int64(10)
	glb, err := fay.GetLeaderboardWithResponse(ctx, &athlosclient.GetLeaderboardParams{Period: &all, Limit: &limit})
	if err != nil {
		return err
	}
	if err := check("get-leaderboard", glb.StatusCode(), 200, glb.JSON200 != nil && glb.JSON200.Period == "all", glb.Body); err != nil {
		return err
	}
	rf, err := sam.RemoveFollowerWithResponse(ctx, fayID)
	if err != nil {
		return err
	}
	if err := check("remove-follower", rf.StatusCode(), 204, true, rf.Body); err != nil {
		return err
	}
	if err := ask(); err != nil {
		return err
	}
	uf, err := fay.UnfollowUserWithResponse(ctx, samID)
	if err != nil {
		return err
	}
	if err := check("unfollow-user", uf.StatusCode(), 204, true, uf.Body); err != nil {
		return err
	}

	// Fay reports Sam in Sam's group; Sam, its owner, resolves it.
	cg, err := sam.CreateGroupWithResponse(ctx, nil, athlosclient.GroupCreate{Name: "Sam's"})
	if err != nil {
		return err
	}
	if cg.StatusCode() != 201 || cg.JSON201 == nil {
		return fmt.Errorf("create a group to report in: status %d: %.300s", cg.StatusCode(), cg.Body)
	}
	group := cg.JSON201.Id
	if jg, err := fay.JoinGroupWithResponse(ctx, group, athlosclient.GroupJoinBody{}); err != nil || jg.StatusCode() != 200 {
		return fmt.Errorf("join a group to report in: %v", err)
	}
	text := "rude"
	cr, err := fay.CreateReportWithResponse(ctx, athlosclient.ReportCreate{UserId: &samID, GroupId: &group,
		Reason: athlosclient.ReportCreateReasonHarassment, Text: &text})
	if err != nil {
		return err
	}
	if err := check("create-report", cr.StatusCode(), 201, cr.JSON201 != nil && cr.JSON201.Status == athlosclient.ReportStatusOpen, cr.Body); err != nil {
		return err
	}
	lrp, err := sam.ListGroupReportsWithResponse(ctx, group, &athlosclient.ListGroupReportsParams{})
	if err != nil {
		return err
	}
	if err := check("list-group-reports", lrp.StatusCode(), 200, lrp.JSON200 != nil && len(lrp.JSON200.Items) == 1, lrp.Body); err != nil {
		return err
	}
	rs, err := sam.ResolveGroupReportWithResponse(ctx, group, cr.JSON201.Id, athlosclient.ReportResolveBody{
		Resolution: athlosclient.ReportResolveBodyResolutionDismissed})
	if err != nil {
		return err
	}
	if err := check("resolve-group-report", rs.StatusCode(), 200, rs.JSON200 != nil && rs.JSON200.Status == athlosclient.ReportStatusResolved, rs.Body); err != nil {
		return err
	}

	bu, err := sam.BlockUserWithResponse(ctx, fayID)
	if err != nil {
		return err
	}
	if err := check("block-user", bu.StatusCode(), 204, true, bu.Body); err != nil {
		return err
	}
	lb, err := sam.ListBlocksWithResponse(ctx, &athlosclient.ListBlocksParams{})
	if err != nil {
		return err
	}
	if err := check("list-blocks", lb.StatusCode(), 200, lb.JSON200 != nil && len(lb.JSON200.Items) == 1, lb.Body); err != nil {
		return err
	}
	ub, err := sam.UnblockUserWithResponse(ctx, fayID)
	if err != nil {
		return err
	}
	return check("unblock-user", ub.StatusCode(), 204, true, ub.Body)
}

// challenges calls every challenge operation: Cleo makes a group and, once
// gamification knows she owns it, a team challenge for it; Dan joins the
// group and the challenge (assigned a team), reads it, its list and both
// leaderboards, and leaves.
func challenges(ctx context.Context, base string, anon *athlosclient.ClientWithResponses) error {
	_, cleo, err := newUser(ctx, base, anon, "cleo")
	if err != nil {
		return err
	}
	danID, dan, err := newUser(ctx, base, anon, "dan")
	if err != nil {
		return err
	}
	cg, err := cleo.CreateGroupWithResponse(ctx, nil, athlosclient.GroupCreate{Name: "Hill Climbers"})
	if err != nil || cg.JSON201 == nil {
		return fmt.Errorf("create a group for a challenge: %v", err)
	}
	group := cg.JSON201.Id
	if jg, err := dan.JoinGroupWithResponse(ctx, group, athlosclient.GroupJoinBody{}); err != nil || jg.StatusCode() != 200 {
		return fmt.Errorf("join the challenge's group: %v", err)
	}
	metric := athlosclient.ChallengeCreateMetricDistance
	mode := athlosclient.ChallengeCreateTeamModeTeams
	names := []string{"Red", "Blue"}
	start := time.Now().UTC()
	body := athlosclient.ChallengeCreate{Title: "Hill month", Kind: athlosclient.ChallengeCreateKindMostActivity, Metric: &metric,
		StartsAt: start, EndsAt: start.Add(30 * 24 * time.Hour), GroupId: &group, TeamMode: &mode, TeamNames: &names}
	// The module learns of the group's members from social's events: 403
	// until it has.
	var cc *athlosclient.CreateChallengeResponse
	for range 100 {
		if cc, err = cleo.CreateChallengeWithResponse(ctx, nil, body); err != nil {
			return err
		}
		if cc.StatusCode() != 403 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := check("create-challenge", cc.StatusCode(), 201, cc.JSON201 != nil && len(cc.JSON201.Teams) == 2, cc.Body); err != nil {
		return err
	}
	id := cc.JSON201.Id
	var jc *athlosclient.JoinChallengeResponse
	for range 100 {
		if jc, err = dan.JoinChallengeWithResponse(ctx, id, athlosclient.ChallengeJoinBody{}); err != nil {
			return err
		}
		if jc.StatusCode() != 404 && jc.StatusCode() != 403 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := check("join-challenge", jc.StatusCode(), 200, jc.JSON200 != nil && jc.JSON200.You != nil, jc.Body); err != nil {
		return err
	}
	mine := athlosclient.ListChallengesParamsFilterMine
	lc, err := dan.ListChallengesWithResponse(ctx, &athlosclient.ListChallengesParams{Filter: &mine})
	if err != nil {
		return err
	}
	if err := check("list-challenges", lc.StatusCode(), 200, lc.JSON200 != nil && len(lc.JSON200.Items) == 1, lc.Body); err != nil {
		return err
	}
	gc, err := dan.GetChallengeWithResponse(ctx, id, nil)
	if err != nil {
		return err
	}
	if err := check("get-challenge", gc.StatusCode(), 200, gc.JSON200 != nil && gc.JSON200.Participants == 1, gc.Body); err != nil {
		return err
	}
	teams := athlosclient.GetChallengeLeaderboardParamsBoardTeams
	lb, err := dan.GetChallengeLeaderboardWithResponse(ctx, id, &athlosclient.GetChallengeLeaderboardParams{Board: &teams})
	if err != nil {
		return err
	}
	if err := check("get-challenge-leaderboard", lb.StatusCode(), 200, lb.JSON200 != nil && len(lb.JSON200.Items) == 2 && lb.JSON200.You != nil, lb.Body); err != nil {
		return err
	}
	li, err := dan.GetChallengeLeaderboardWithResponse(ctx, id, nil)
	if err != nil {
		return err
	}
	if li.StatusCode() != 200 || li.JSON200 == nil || li.JSON200.You == nil || li.JSON200.You.UserId == nil || *li.JSON200.You.UserId != danID {
		return fmt.Errorf("get-challenge-leaderboard (individuals): status %d: %.300s", li.StatusCode(), li.Body)
	}
	lv, err := dan.LeaveChallengeWithResponse(ctx, id)
	if err != nil {
		return err
	}
	return check("leave-challenge", lv.StatusCode(), 204, true, lv.Body)
}

// achievements calls the achievements' operations: the catalogue and the
// user's own with the user's client, the admin API with an
// administrator's (ATHLOS_ADMIN_EMAIL and ATHLOS_ADMIN_PASSWORD, an account
// the test made an administrator).
func achievements(ctx context.Context, base string, anon, c *athlosclient.ClientWithResponses) error {
	la, err := c.ListAchievementsWithResponse(ctx, nil)
	if err != nil {
		return err
	}
	if err := check("list-achievements", la.StatusCode(), 200, la.JSON200 != nil && len(la.JSON200.Items) > 0, la.Body); err != nil {
		return err
	}
	ma, err := c.MyAchievementsWithResponse(ctx, nil)
	if err != nil {
		return err
	}
	if err := check("my-achievements", ma.StatusCode(), 200, ma.JSON200 != nil && ma.JSON200.Level >= 1, ma.Body); err != nil {
		return err
	}

	admin, err := administrator(ctx, base, anon)
	if err != nil {
		return err
	}
	id, points := fmt.Sprintf("genclient_%d", time.Now().UnixNano()), int64(5)
	sport := athlosclient.AchievementRuleSportRide
	def := athlosclient.AchievementDefinition{Id: &id, Name: "Ride 15 km", Rule: athlosclient.AchievementRule{
		Metric: athlosclient.AchievementRuleMetricDistanceM, Sport: &sport,
		Tiers: []athlosclient.AchievementTier{{Name: "bronze", Threshold: 15_000, Points: &points}}}}
	ca, err := admin.CreateAchievementWithResponse(ctx, def)
	if err != nil {
		return err
	}
	if err := check("create-achievement", ca.StatusCode(), 201, ca.JSON201 != nil && ca.JSON201.Version == 1, ca.Body); err != nil {
		return err
	}
	al, err := admin.AdminListAchievementsWithResponse(ctx, &athlosclient.AdminListAchievementsParams{})
	if err != nil {
		return err
	}
	if err := check("admin-list-achievements", al.StatusCode(), 200, al.JSON200 != nil && len(al.JSON200.Items) > len(la.JSON200.Items), al.Body); err != nil {
		return err
	}
	def.Id = nil
	def.Rule.Tiers = append(def.Rule.Tiers, athlosclient.AchievementTier{Name: "silver", Threshold: 30_000, Points: &points})
	ra, err := admin.ReplaceAchievementWithResponse(ctx, id, def)
	if err != nil {
		return err
	}
	if err := check("replace-achievement", ra.StatusCode(), 200, ra.JSON200 != nil && ra.JSON200.Version == 2, ra.Body); err != nil {
		return err
	}
	bf, err := admin.BackfillAchievementWithResponse(ctx, id)
	if err != nil {
		return err
	}
	if err := check("backfill-achievement", bf.StatusCode(), 202, bf.JSON202 != nil && bf.JSON202.AchievementId == id, bf.Body); err != nil {
		return err
	}
	ga, err := admin.AdminGetAchievementWithResponse(ctx, id, nil)
	if err != nil {
		return err
	}
	if err := check("admin-get-achievement", ga.StatusCode(), 200, ga.JSON200 != nil && ga.JSON200.Backfill != nil, ga.Body); err != nil {
		return err
	}
	rt, err := admin.RetireAchievementWithResponse(ctx, id)
	if err != nil {
		return err
	}
	return check("retire-achievement", rt.StatusCode(), 204, true, rt.Body)
}

// promoNews calls the news' operations: the admin API with an
// administrator's client (an item published a minute ago in English, the
// user's language), the feed and the item with the user's.
func promoNews(ctx context.Context, base string, anon, c *athlosclient.ClientWithResponses) error {
	admin, err := administrator(ctx, base, anon)
	if err != nil {
		return err
	}
	published, pinned := time.Now().Add(-time.Minute).UTC(), true
	regions := []string{"DE", "at"}
	cn, err := admin.CreateNewsWithResponse(ctx, athlosclient.NewsDraft{Title: "Spring ride", Language: "en",
		Body: "**Ride** with us: [details](https://example.com/spring)", Regions: &regions, PublishAt: &published, Pinned: &pinned})
	if err != nil {
		return err
	}
	if err := check("create-news", cn.StatusCode(), 201, cn.JSON201 != nil && string(cn.JSON201.State) == "published", cn.Body); err != nil {
		return err
	}
	id := cn.JSON201.Id
	al, err := admin.AdminListNewsWithResponse(ctx, &athlosclient.AdminListNewsParams{})
	if err != nil {
		return err
	}
	if err := check("admin-list-news", al.StatusCode(), 200, al.JSON200 != nil && len(al.JSON200.Items) > 0, al.Body); err != nil {
		return err
	}
	ag, err := admin.AdminGetNewsWithResponse(ctx, id, nil)
	if err != nil {
		return err
	}
	if err := check("admin-get-news", ag.StatusCode(), 200, ag.JSON200 != nil && ag.JSON200.Regions[0] == "AT", ag.Body); err != nil {
		return err
	}
	title := "Spring ride, Sunday"
	un, err := admin.UpdateNewsWithResponse(ctx, id, athlosclient.NewsPatch{Title: &title})
	if err != nil {
		return err
	}
	if err := check("update-news", un.StatusCode(), 200, un.JSON200 != nil && un.JSON200.Title == title, un.Body); err != nil {
		return err
	}
	ln, err := c.ListNewsWithResponse(ctx, &athlosclient.ListNewsParams{})
	if err != nil {
		return err
	}
	if err := check("list-news", ln.StatusCode(), 200, ln.JSON200 != nil && len(ln.JSON200.Items) > 0 && ln.JSON200.Items[0].Id == id, ln.Body); err != nil {
		return err
	}
	gn, err := c.GetNewsWithResponse(ctx, id, nil)
	if err != nil {
		return err
	}
	if err := check("get-news", gn.StatusCode(), 200, gn.JSON200 != nil && gn.JSON200.Title == title, gn.Body); err != nil {
		return err
	}
	dn, err := admin.DeleteNewsWithResponse(ctx, id)
	if err != nil {
		return err
	}
	return check("delete-news", dn.StatusCode(), 204, true, dn.Body)
}

// marketing reads the user's consent to personalised offers (the
// default: allowed, never chosen), objects and reads the objection back.
func marketing(ctx context.Context, c *athlosclient.ClientWithResponses) error {
	gm, err := c.GetMarketingConsentWithResponse(ctx, nil)
	if err != nil {
		return err
	}
	if err := check("get-marketing-consent", gm.StatusCode(), 200, gm.JSON200 != nil && gm.JSON200.PersonalisedOffers && gm.JSON200.UpdatedAt == nil, gm.Body); err != nil {
		return err
	}
	pmc, err := c.PutMarketingConsentWithResponse(ctx, athlosclient.ConsentPut{PersonalisedOffers: false})
	if err != nil {
		return err
	}
	return check("put-marketing-consent", pmc.StatusCode(), 200, pmc.JSON200 != nil && !pmc.JSON200.PersonalisedOffers && pmc.JSON200.UpdatedAt != nil, pmc.Body)
}

// administrator signs in as the administrator (ATHLOS_ADMIN_EMAIL and
// ATHLOS_ADMIN_PASSWORD, an account the test made an administrator) and
// answers a client that calls as it.
func administrator(ctx context.Context, base string, anon *athlosclient.ClientWithResponses) (*athlosclient.ClientWithResponses, error) {
	login, err := anon.LoginWithResponse(ctx, athlosclient.LoginRequest{Email: os.Getenv("ATHLOS_ADMIN_EMAIL"),
		Password: os.Getenv("ATHLOS_ADMIN_PASSWORD")})
	if err != nil {
		return nil, err
	}
	if login.JSON200 == nil {
		return nil, fmt.Errorf("sign in as the administrator: status %d: %.300s", login.StatusCode(), login.Body)
	}
	return athlosclient.NewClientWithResponses(base, athlosclient.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+login.JSON200.AccessToken)
		return nil
	}))
}

// operatorReports calls the operators' reports: the administrator reports
// the user of c outside any group, lists every report and resolves it.
func operatorReports(ctx context.Context, base string, anon, c *athlosclient.ClientWithResponses) error {
	admin, err := administrator(ctx, base, anon)
	if err != nil {
		return err
	}
	me, err := c.GetMeWithResponse(ctx, nil)
	if err != nil {
		return err
	}
	if me.JSON200 == nil {
		return fmt.Errorf("get me: status %d", me.StatusCode())
	}
	cr, err := admin.CreateReportWithResponse(ctx, athlosclient.ReportCreate{UserId: &me.JSON200.UserId,
		Reason: athlosclient.ReportCreateReasonSpam})
	if err != nil {
		return err
	}
	if cr.JSON201 == nil {
		return fmt.Errorf("report outside groups: status %d: %.300s", cr.StatusCode(), cr.Body)
	}
	outside := true
	lr, err := admin.ListAllReportsWithResponse(ctx, &athlosclient.ListAllReportsParams{OutsideGroups: &outside})
	if err != nil {
		return err
	}
	if err := check("list-all-reports", lr.StatusCode(), 200, lr.JSON200 != nil && len(lr.JSON200.Items) >= 1, lr.Body); err != nil {
		return err
	}
	rr, err := admin.ResolveReportWithResponse(ctx, cr.JSON201.Id, athlosclient.ReportResolveBody{
		Resolution: athlosclient.ReportResolveBodyResolutionDismissed})
	if err != nil {
		return err
	}
	return check("resolve-report", rr.StatusCode(), 200, rr.JSON200 != nil && rr.JSON200.Status == athlosclient.ReportStatusResolved, rr.Body)
}

// promoOffers calls the offers' operations: the administrator adds an
// untargeted offer running now; the user of c is served it, asks why,
// reports its impression and a click and dismisses it; the administrator
// lists, reads, patches it, reads its figures and deletes it.
func promoOffers(ctx context.Context, base string, anon, c *athlosclient.ClientWithResponses) error {
	admin, err := administrator(ctx, base, anon)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	co, err := admin.CreateOfferWithResponse(ctx, nil, athlosclient.OfferDefinition{Name: "genclient shoes",
		Content:         map[string]athlosclient.OfferContent{"en": {Title: "Shoes"}},
		DefaultLanguage: "en", CtaUrl: "https://shop.example/shoes", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(time.Hour),
		Budget: athlosclient.OfferBudget{Impressions: 100}})
	if err != nil {
		return err
	}
	if err := check("create-offer", co.StatusCode(), 201, co.JSON201 != nil, co.Body); err != nil {
		return err
	}
	id := co.JSON201.Id
	lo, err := c.ListOffersWithResponse(ctx, nil)
	if err != nil {
		return err
	}
	if err := check("list-offers", lo.StatusCode(), 200, lo.JSON200 != nil && len(lo.JSON200.Items) > 0, lo.Body); err != nil {
		return err
	}
	wo, err := c.WhyOfferWithResponse(ctx, id, nil)
	if err != nil {
		return err
	}
	if err := check("why-offer", wo.StatusCode(), 200, wo.JSON200 != nil && wo.JSON200.Eligible, wo.Body); err != nil {
		return err
	}
	oi, err := c.OfferImpressionWithResponse(ctx, id)
	if err != nil {
		return err
	}
	if err := check("offer-impression", oi.StatusCode(), 200, oi.JSON200 != nil && oi.JSON200.Counted, oi.Body); err != nil {
		return err
	}
	ok, err := c.OfferClickWithResponse(ctx, id)
	if err != nil {
		return err
	}
	if err := check("offer-click", ok.StatusCode(), 200, ok.JSON200 != nil && ok.JSON200.Counted, ok.Body); err != nil {
		return err
	}
	do, err := c.DismissOfferWithResponse(ctx, id)
	if err != nil {
		return err
	}
	if err := check("dismiss-offer", do.StatusCode(), 204, true, do.Body); err != nil {
		return err
	}
	al, err := admin.AdminListOffersWithResponse(ctx, nil)
	if err != nil {
		return err
	}
	if err := check("admin-list-offers", al.StatusCode(), 200, al.JSON200 != nil && len(al.JSON200.Items) > 0, al.Body); err != nil {
		return err
	}
	ag, err := admin.AdminGetOfferWithResponse(ctx, id, nil)
	if err != nil {
		return err
	}
	if err := check("admin-get-offer", ag.StatusCode(), 200, ag.JSON200 != nil && ag.JSON200.Spent.Impressions == 1, ag.Body); err != nil {
		return err
	}
	name := "genclient shoes, renamed"
	po, err := admin.PatchOfferWithResponse(ctx, id, athlosclient.OfferPatch{Name: &name})
	if err != nil {
		return err
	}
	if err := check("patch-offer", po.StatusCode(), 200, po.JSON200 != nil && po.JSON200.Name == name, po.Body); err != nil {
		return err
	}
	st, err := admin.OfferStatsWithResponse(ctx, id, nil)
	if err != nil {
		return err
	}
	if err := check("offer-stats", st.StatusCode(), 200, st.JSON200 != nil && st.JSON200.Clicks == 1 && len(st.JSON200.Days) == 1, st.Body); err != nil {
		return err
	}
	de, err := admin.DeleteOfferWithResponse(ctx, id)
	if err != nil {
		return err
	}
	return check("delete-offer", de.StatusCode(), 204, true, de.Body)
}
