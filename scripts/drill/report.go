package main

import (
	"fmt"
	"image/color"
	"io"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// printTable writes the runs side by side as a Markdown table.
func printTable(w io.Writer, runs []*run) {
	fmt.Fprintln(w, "| deploy | wrk keep-alive | wrk Connection: close | keep-alive GETs, never retried | POSTs | writes acknowledged / present | hand-over per deploy (ms) |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, r := range runs {
		var ms []string
		for _, d := range r.handOver {
			ms = append(ms, fmt.Sprint(d.Milliseconds()))
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %d / %d | %s |\n", r.mode,
			wrkCell(r.wrkKeepAlive), wrkCell(r.wrkClose), counterCell(r.reads), counterCell(r.writes),
			r.acked, r.present, strings.Join(ms, " "))
	}
}

func wrkCell(r wrkResult) string {
	if !r.ran {
		return "not run: " + r.detail
	}
	if r.errors == 0 {
		return fmt.Sprintf("%d, **0 failed**", r.requests)
	}
	return fmt.Sprintf("%d, %d failed (%s)", r.requests, r.errors, r.detail)
}

func counterCell(c *counter) string { return tallyCell(c.snapshot()) }

// tallyCell is "requests, failed (by kind)".
func tallyCell(t tally) string {
	var kinds []string
	for k, n := range t.byKind {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(kinds)
	failed := t.failed()
	if failed == 0 {
		return fmt.Sprintf("%d, **0 failed**", t.ok)
	}
	return fmt.Sprintf("%d, %d failed (%s)", t.ok+failed, failed, strings.Join(kinds, ", "))
}

// drawChart writes an SVG that plots, per run, the drill's own requests completed and failed per 100 ms,
// with each deploy marked.
func drawChart(path string, runs []*run) error {
	plots := make([][]*plot.Plot, len(runs))
	for i, r := range runs {
		p, err := timelinePlot(r)
		if err != nil {
			return err
		}
		plots[i] = []*plot.Plot{p}
	}
	width, height := 9*vg.Inch, vg.Length(len(runs))*3*vg.Inch
	tiles := draw.Tiles{Rows: len(runs), Cols: 1, PadY: vg.Millimeter * 4, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2}
	svg := vgsvg.New(width, height)
	canvases := plot.Align(plots, tiles, draw.New(svg))
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	return saveWriterTo(path, svg)
}

func timelinePlot(r *run) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: the drill's own requests per 100 ms (%d deploys, dashed)", r.mode, len(r.deploys))
	p.X.Label.Text = "seconds"
	p.Y.Label.Text = "requests / 100 ms"
	r.timeline.mu.Lock()
	last := 0
	for b := range r.timeline.ok {
		last = max(last, b)
	}
	for b := range r.timeline.fail {
		last = max(last, b)
	}
	ok, fail := make(plotter.XYs, last+1), make(plotter.XYs, last+1)
	peak := 0
	for b := 0; b <= last; b++ {
		x := (time.Duration(b) * bucket).Seconds()
		ok[b] = plotter.XY{X: x, Y: float64(r.timeline.ok[b])}
		fail[b] = plotter.XY{X: x, Y: float64(r.timeline.fail[b])}
		peak = max(peak, r.timeline.ok[b], r.timeline.fail[b])
	}
	r.timeline.mu.Unlock()
	okLine, err := plotter.NewLine(ok)
	if err != nil {
		return nil, err
	}
	okLine.Color = color.RGBA{G: 128, A: 255}
	failLine, err := plotter.NewLine(fail)
	if err != nil {
		return nil, err
	}
	failLine.Color = color.RGBA{R: 220, A: 255}
	failLine.Width = vg.Points(1.5)
	p.Add(okLine, failLine)
	p.Legend.Add("completed", okLine)
	p.Legend.Add("failed", failLine)
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs = vg.Points(40)
	for _, d := range r.deploys {
		mark, err := plotter.NewLine(plotter.XYs{{X: d.Seconds(), Y: 0}, {X: d.Seconds(), Y: float64(peak)}})
		if err != nil {
			return nil, err
		}
		mark.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
		mark.Color = color.Gray{Y: 120}
		p.Add(mark)
	}
	p.Y.Min = 0
	return p, nil
}
