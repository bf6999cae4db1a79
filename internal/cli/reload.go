package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/go-programming-tour-book/blog-service/internal/setting"
	"github.com/go-programming-tour-book/blog-service/pkg/lifecycle/supervisor"
)

// ReloadWait is how long reload waits for an upgrade's outcome: the master may first check
// and re-execute its new binary, then start the worker, which must then serve for
// UpgradeSettle. (A process manager's limit on a reload must be longer.)
func ReloadWait(s setting.Server) time.Duration {
	return s.UpgradeTimeout + s.UpgradeSettle + 30*time.Second
}

// reload runs `reload`: SIGHUP to the master, then its outcome. systemd's ExecReload uses
// it, so `systemctl reload` fails when the upgrade did.
func reload(ctx context.Context, cfg setting.Config, stdout io.Writer) error {
	if cfg.Server.PIDFile == "" {
		return errors.New("reload needs the master's PID file: -pidfile PATH or Server.PIDFile")
	}
	detail, err := supervisor.Reload(ctx, cfg.Server.PIDFile, ReloadWait(cfg.Server))
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	fmt.Fprintf(stdout, "reloaded: %s\n", detail)
	return nil
}
