// Command example is the lifecycle on its own, with no blog: a hello server that stops
// gracefully on SIGINT/SIGTERM and upgrades in place on SIGHUP without refusing a connection.
//
//	go run ./pkg/lifecycle/example -addr :8080 -pidfile /tmp/example.pid
//	curl localhost:8080                        # hello from pid N
//	kill -HUP "$(cat /tmp/example.pid)"        # a new worker serves; N drains and exits
//
// The process you start is the master (supervisor.Run); it runs this same binary again as
// its worker, which finds the socket with supervisor.Inherited and serves it with a
// server.Server.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/go-programming-tour-book/blog-service/pkg/lifecycle/server"
	"github.com/go-programming-tour-book/blog-service/pkg/lifecycle/supervisor"
)

// The master forks and re-executes from the main thread only (see supervisor.Run).
func init() { runtime.LockOSThread() }

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "example:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", ":8080", "listen address")
	pidFile := flag.String("pidfile", "", "where the master writes its PID")
	flag.Parse()
	log := zap.NewExample()
	if supervisor.Probing(os.Getenv) {
		fmt.Println(supervisor.ProbeReply) // a master asks whether this binary can take over
		return nil
	}
	ln, rep, isWorker, err := supervisor.Inherited(os.Getenv)
	if err != nil {
		return err
	}
	if !isWorker {
		dir, err := os.Getwd()
		if err != nil {
			return err
		}
		return supervisor.Run(context.Background(), supervisor.Config{
			Addr: *addr, Args: os.Args[1:], Dir: dir, PIDFile: *pidFile,
			UpgradeTimeout: 10 * time.Second, StopTimeout: 15 * time.Second, Log: log,
		})
	}
	signals, release := server.NotifyStop(context.Background(), supervisor.DrainNowSignals(), os.Interrupt, syscall.SIGTERM)
	defer release()
	srv := server.New(server.Options{
		ReadHeaderTimeout: 5 * time.Second, ShutdownTimeout: 5 * time.Second,
		IdleDrainTimeout: time.Second, OnServe: func() { _ = rep.Ready() },
	}, log)
	hello := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "hello from pid %d\n", os.Getpid())
	})
	return srv.Serve(signals, ln, hello)
}
