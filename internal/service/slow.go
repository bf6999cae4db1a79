package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/context/ctxhttp"

	"github.com/go-programming-tour-book/blog-service/internal/errcode"
)

// SlowOptions are the slow endpoint's settings (App.SlowMaxDelay and Upstream in the config).
type SlowOptions struct {
	// MaxDelay caps the delay a request may ask for.
	MaxDelay time.Duration
	// UpstreamURL, when set, is fetched with UpstreamClient once the delay has passed.
	UpstreamURL    string
	UpstreamClient *http.Client
}

// SlowResult is what the slow endpoint reports.
//
// @Description What the slow work did.
type SlowResult struct {
	// The delay waited, as a Go duration.
	Delay string `json:"delay" validate:"required" example:"1s"`
	// The status Upstream.URL answered; absent when none is configured.
	UpstreamStatus int `json:"upstream_status,omitempty" format:"int32" example:"200"`
}

// Slow is the slow endpoint's demonstration work: it waits for delay and then, when an
// upstream is configured, fetches it. Both honour ctx, so a client that hangs up or a
// shutdown past its deadline stops the work; the caller then answers with the context's error.
func (s *Service) Slow(ctx context.Context, delay time.Duration) (SlowResult, error) {
	opts := s.opts.Slow
	if delay < 0 || delay > opts.MaxDelay {
		return SlowResult{}, errcode.InvalidParams.WithDetail(
			fmt.Sprintf("delay must be between 0s and %v", opts.MaxDelay),
			fmt.Sprintf("delay 必须在 0s 到 %v 之间", opts.MaxDelay))
	}
	res := SlowResult{Delay: delay.String()}
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return res, fmt.Errorf("slow work: %w", ctxErr(ctx))
	case <-timer.C:
	}
	if opts.UpstreamURL == "" {
		return res, nil
	}
	resp, err := ctxhttp.Get(ctx, opts.UpstreamClient, opts.UpstreamURL)
	if err != nil {
		return res, upstreamError(ctx, err)
	}
	defer resp.Body.Close()
	// Drain a bounded amount so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	res.UpstreamStatus = resp.StatusCode
	if resp.StatusCode >= 500 {
		return res, errcode.UpstreamError.WithDetail(fmt.Sprintf("upstream answered %d", resp.StatusCode), fmt.Sprintf("上游返回 %d", resp.StatusCode))
	}
	return res, nil
}

func upstreamError(ctx context.Context, err error) error {
	if ctx.Err() != nil { // our side gave up: the client left or the server is stopping
		return fmt.Errorf("upstream: %w", ctxErr(ctx))
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("upstream: %w: %w", errcode.UpstreamTimeout, err)
	}
	return fmt.Errorf("upstream: %w: %w", errcode.UpstreamError, err)
}

// ctxErr is ctx's error, with the reason it was cancelled (such as a shutdown deadline)
// when one was given, for the log.
func ctxErr(ctx context.Context) error {
	err, cause := ctx.Err(), context.Cause(ctx)
	if cause == nil || errors.Is(cause, err) {
		return err
	}
	return fmt.Errorf("%w: %w", err, cause)
}
