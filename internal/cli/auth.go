// Package cli holds the binary's commands other than serving. auth manages the API's
// credentials with the same flags, config file and environment as the service, on the
// database it serves from, without serving: it is how a release deployment, which never
// seeds the demo credential, gets its first one.
package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/service"
	"github.com/go-programming-tour-book/blog-service/internal/setting"
	"github.com/go-programming-tour-book/blog-service/pkg/logger"
)

// Usage describes the commands.
const Usage = `usage: blog-service [flags] auth add [-secret-file PATH] [-if-absent] APP_KEY
           the secret is one line on standard input (or in PATH), never an argument
       blog-service [flags] auth list
       blog-service [flags] auth remove APP_KEY
       blog-service [flags] reload
           upgrade the running service (SIGHUP to the master in -pidfile or Server.PIDFile)
           and wait: exit 0 once a new worker serves, else 1 with the reason`

// maxSecretInput bounds what is read for a secret: far above the 72 bytes bcrypt reads,
// so a longer input is reported as too long rather than read whole.
const maxSecretInput = 4 << 10

// Run runs the command in args (its name first) instead of serving.
func Run(ctx context.Context, cfg setting.Config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if args[0] == "reload" && len(args) == 1 {
		return reload(ctx, cfg, stdout)
	}
	if args[0] != "auth" {
		return fmt.Errorf("unknown command %q (without one the service serves)\n%s", args[0], Usage)
	}
	if len(args) < 2 {
		return errors.New(Usage)
	}
	sub, args := args[1], args[2:]
	switch {
	case sub == "add":
		return authAdd(ctx, cfg, args, stdin, stdout, stderr)
	case sub == "list" && len(args) == 0:
		return withService(ctx, cfg, stderr, func(svc *service.Service) error {
			keys, err := svc.AuthKeys(ctx)
			for _, k := range keys {
				fmt.Fprintln(stdout, k)
			}
			return err
		})
	case sub == "remove" && len(args) == 1:
		return withService(ctx, cfg, stderr, func(svc *service.Service) error {
			removed, err := svc.RemoveAuth(ctx, args[0])
			switch {
			case err != nil:
				return err
			case !removed:
				return fmt.Errorf("auth remove: no credential has the app_key %q", args[0])
			}
			fmt.Fprintf(stdout, "removed the credential %q; the service refuses its tokens within %v\n", args[0], service.DefaultAuthCacheTTL)
			return nil
		})
	}
	return fmt.Errorf("auth %q: wrong command or arguments\n%s", sub, Usage)
}

// authAdd runs `auth add`: the key and the secret are checked before the database is opened.
func authAdd(ctx context.Context, cfg setting.Config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("auth add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	secretFile := fs.String("secret-file", "", "read the secret from this file instead of standard input")
	ifAbsent := fs.Bool("if-absent", false, "succeed without a change when APP_KEY exists (for jobs that may run twice)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("auth add takes one APP_KEY after its flags; the secret is never an argument (shells keep history, ps shows arguments)\n%s", Usage)
	}
	appKey := fs.Arg(0)
	secret, err := readSecret(stdin, *secretFile)
	if err != nil {
		return fmt.Errorf("auth add: %w", err)
	}
	if err := service.CheckCredential(appKey, secret); err != nil {
		return fmt.Errorf("auth add: %w", err)
	}
	return withService(ctx, cfg, stderr, func(svc *service.Service) error {
		added, err := svc.AddAuth(ctx, appKey, secret, "auth add")
		switch {
		case err != nil:
			return err
		case !added && *ifAbsent:
			fmt.Fprintf(stdout, "the credential %q exists; left unchanged\n", appKey)
		case !added:
			return fmt.Errorf("auth add: the app_key %q already exists (auth remove it first to replace it)", appKey)
		default:
			fmt.Fprintf(stdout, "added the credential %q\n", appKey)
		}
		return nil
	})
}

// readSecret reads the secret: one line from the file at path if set, else from stdin. The
// line's end is dropped; any other line is refused, so a wrong file is not half-used. On a
// terminal only the first line is read, as reading on would wait for Ctrl+D.
func readSecret(stdin io.Reader, path string) (string, error) {
	from, r := "standard input", stdin
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return "", fmt.Errorf("secret file: %w", err)
		}
		defer f.Close()
		from, r = path, f
	}
	br := bufio.NewReader(io.LimitReader(r, maxSecretInput))
	line, err := br.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the secret from %s: %w", from, err)
	}
	if !isTerminal(r) {
		rest, err := io.ReadAll(br)
		if err != nil {
			return "", fmt.Errorf("read the secret from %s: %w", from, err)
		}
		if len(bytes.TrimSpace(rest)) > 0 {
			return "", fmt.Errorf("the secret in %s must be one line", from)
		}
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", fmt.Errorf("the secret is empty: give it as one line on %s, e.g. auth add APP_KEY < secret.txt", from)
	}
	return line, nil
}

// isTerminal reports whether r is a terminal (or another character device).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// withService opens the configured database (migrating it, as the service does at start)
// and runs fn on a service that issues no tokens. Logs, such as retries while the database
// is not reachable yet, go to stderr: stdout holds only the command's answer.
func withService(ctx context.Context, cfg setting.Config, stderr io.Writer, fn func(*service.Service) error) error {
	log, _, err := logger.New(stderr, cfg.Log.Level, cfg.Release()) // no requests: no access log
	if err != nil {
		return fmt.Errorf("logger: %w", err)
	}
	defer func() { _ = log.Sync() }() // fails on a terminal: nothing left to do then
	db, err := dao.Open(ctx, cfg.Database, log)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer dao.Close(db)
	return fn(service.New(dao.New(db), nil, service.Options{}))
}
