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

// reload runs `reload`: SIGHUP to the master, then its outcome. systemd's ExecReload uses
// it, so `systemctl reload` fails when the upgrade did.
func reload(ctx context.Context, cfg setting.Config, stdout io.Writer) error {
	if cfg.Server.PIDFile == "" {
		return errors.New("reload needs the master's PID file: -pidfile PATH or Server.PIDFile")
	}
	// The master may first check and re-execute its new binary, then start the worker.
	timeout := cfg.Server.UpgradeTimeout + 30*time.Second
	detail, err := supervisor.Reload(ctx, cfg.Server.PIDFile, timeout)
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	fmt.Fprintf(stdout, "reloaded: %s\n", detail)
	return nil
}
