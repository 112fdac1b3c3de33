package client

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/consume"
	"github.com/athlos/athlos/modules/client/internal/mail"
	"github.com/athlos/athlos/modules/client/internal/peers"
	"github.com/athlos/athlos/modules/client/internal/rpc"
	"github.com/athlos/athlos/modules/client/internal/service"
	"github.com/athlos/athlos/modules/client/internal/store"
	"github.com/athlos/athlos/platform"
)

// Module wires the client module with cfg: its service on rpc.client.*,
// the signing keys (created on first start, reloaded when another process
// rotates them), the clean-up of expired refresh tokens, the mail outbox's
// sender (SMTP or the log), and the auth callout, which asks the modules
// of cfg.Grants for their grants.
func Module(cfg Config) fx.Option {
	return platform.Module(api.Module, fx.Supply(cfg), fx.Invoke(start))
}

// exportMail enqueues the mail telling a user their export is ready (in
// the transaction that marks it ready), with a link to the app's export
// page under base.
func exportMail(base string) service.ExportReadyHook {
	return func(ctx context.Context, tx pgx.Tx, _ api.ExportReadyEvent, to store.Addressee) error {
		m, err := mail.Render("export_ready", to.Language, map[string]any{"Name": to.FirstName, "Email": to.Email, "Link": base + "/export"})
		if err != nil {
			return err
		}
		m.To = to.Email
		_, err = mail.Enqueue(ctx, tx, m)
		return err
	}
}

// exportPoll is how often a process looks for exports to build (a
// request served by the process itself wakes it at once).
const exportPoll = 5 * time.Second

// registerMailMetrics tells /metrics what this process's mail worker did.
func registerMailMetrics(reg prometheus.Registerer, w *mail.Worker) error {
	for _, c := range []struct {
		name, help string
		value      func(mail.Stats) int
	}{
		{"athlos_client_mails_sent_total", "Mails this process handed to the SMTP server (or, with none, to the log).",
			func(s mail.Stats) int { return s.Sent }},
		{"athlos_client_mails_retried_total", "Mail attempts that failed for now and are tried again later.",
			func(s mail.Stats) int { return s.Retried }},
		{"athlos_client_mails_failed_total", "Mails given up: refused for good, or their last attempt failed.",
			func(s mail.Stats) int { return s.Failed }},
	} {
		if err := reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: c.name, Help: c.help},
			func() float64 { return float64(c.value(w.Stats())) })); err != nil {
			return err
		}
	}
	return nil
}

// resetPoll is how often a process looks for password-reset requests
// other processes took: as often as for mail.
func resetPoll(mailPoll time.Duration) time.Duration {
	if mailPoll > 0 {
		return mailPoll
	}
	return 2 * time.Second
}

func start(sctx platform.StartContext, lc fx.Lifecycle, pcfg *platform.Config, cfg Config,
	rt *platform.Runtime, key platform.SecretKey, emb *bus.Embedded, reg *prometheus.Registry) error {
	s, err := service.New(rt.DB, key, service.HashConcurrency(), rt.Log, rt.Idempotency)
	if err != nil {
		return err
	}
	s.SetAccessTokenTTL(cfg.AccessTokenTTL)
	if cfg.Now != nil {
		s.SetTwoFactorClock(cfg.Now)
	}
	sender, err := mail.NewSender(cfg.Mail, rt.Log)
	if err != nil {
		return err
	}
	if !cfg.Mail.Configured() {
		rt.Log.Warn("no SMTP server configured (--smtp-url): mail is written to the log")
	}
	mailer := mail.NewWorker(rt.DB, sender, rt.Log, cfg.MailWorker)
	if err := registerMailMetrics(reg, mailer); err != nil {
		return err
	}
	rt.Go("mail outbox", mailer.Run)
	s.SetMail(service.MailSettings{LinkBase: cfg.LinkBase(), ResetTTL: cfg.PasswordResetTTL, VerifyTTL: cfg.VerifyEmailTTL,
		Wake: mailer.Wake})
	rt.Go("password reset requests", func(ctx context.Context) { s.RunResetRequests(ctx, resetPoll(cfg.MailWorker.Poll)) })
	if err := s.EnsureKeys(sctx); err != nil {
		return err
	}
	if err := rpc.Register(rt.Service, s); err != nil {
		return err
	}
	if err := startCallout(sctx, lc, pcfg, rt, key, emb, s, cfg.Grants, reg); err != nil {
		return err
	}
	if err := consume.Register(rt, s); err != nil {
		return err
	}
	rt.Every("signing keys and refresh tokens", 5*time.Minute, s.Maintain)
	// Data exports: built by whichever process claims them first (a job
	// row each, resumed after a crash), deleted after their seven days.
	s.SetExportSources(peers.New(rt.Bus.NC), exportMail(cfg.LinkBase()), mailer.Wake)
	rt.Go("data exports", func(ctx context.Context) { s.ExportLoop(ctx, exportPoll) })
	rt.Every("expired data exports", 10*time.Minute, func(ctx context.Context) { s.ExpireExports(ctx) })
	return nil
}
