package notebooks

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart sizes: wide enough for a page, short enough to print two a page.
const (
	chartWidth  = 16 * vg.Centimeter
	chartHeight = 8 * vg.Centimeter
)

// series is one line, set of bars or set of points.
type series struct {
	name string
	x    []float64
	y    []float64
}

// ErrNoData is returned for a chart whose result has no rows to draw.
var ErrNoData = errors.New("no rows to draw")

// ChartSVG draws a chart cell's result as SVG (gonum/plot) and returns it
// with the number of suppressed values left out. The legend sits under
// the plotting area, never on the data; series named for a band are drawn
// in that band's colour; a count axis starts at zero.
func ChartSVG(s Spec, r *Result) ([]byte, int, error) {
	if len(r.Rows) == 0 {
		return nil, 0, ErrNoData
	}
	xi := r.Col(s.X)
	if xi < 0 {
		return nil, 0, fmt.Errorf("x column %q is not in the result %s (columns: %v)", s.X, r.Name, r.Columns)
	}
	var yi []int
	for _, y := range s.Y {
		j := r.Col(y)
		if j < 0 {
			return nil, 0, fmt.Errorf("y column %q is not in the result %s (columns: %v)", y, r.Name, r.Columns)
		}
		yi = append(yi, j)
	}
	si := -1
	if s.Series != "" {
		if si = r.Col(s.Series); si < 0 {
			return nil, 0, fmt.Errorf("series column %q is not in the result %s", s.Series, r.Name)
		}
	}
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = s.Title, s.XLabel, s.YLabel
	timeX := len(r.Rows) > 0 && isTime(r.Rows[0][xi])
	if s.Type == "timeline" {
		return timeline(p, s, r, xi, yi[0])
	}
	// Categories in first-seen order for nominal x.
	nominal := s.Type == "bar" || s.Type == "stacked" || (!timeX && len(r.Rows) > 0 && !isNumber(r.Rows[0][xi]))
	cats, catIdx := categories(r, xi)
	var ss []*series
	byName := map[string]*series{}
	skipped := 0
	for _, row := range r.Rows {
		for k, j := range yi {
			name := s.Y[k]
			if si >= 0 {
				name = formatValue(row[si], "")
			}
			sr := byName[name]
			if sr == nil {
				sr = &series{name: name}
				byName[name] = sr
				ss = append(ss, sr)
			}
			yv, ok := toFloat(row[j])
			if !ok {
				if _, sup := row[j].(Suppressed); sup {
					skipped++
				}
				continue
			}
			var xv float64
			if nominal {
				xv = float64(catIdx[formatValue(row[xi], "")])
			} else if xv, ok = toFloat(row[xi]); !ok {
				continue
			}
			sr.x, sr.y = append(sr.x, xv), append(sr.y, yv)
		}
	}
	switch s.Type {
	case "bar", "stacked":
		w := vg.Points(math.Max(4, math.Min(40, 300/float64(len(cats)*max(1, len(ss))))))
		var below *plotter.BarChart
		for k, sr := range ss {
			vals := make(plotter.Values, len(cats))
			for n, x := range sr.x {
				vals[int(x)] = sr.y[n]
			}
			b, err := plotter.NewBarChart(vals, w)
			if err != nil {
				return nil, 0, err
			}
			b.Color = colorOf(s, sr.name, k)
			b.LineStyle.Width = 0
			if s.Type == "stacked" {
				if below != nil {
					b.StackOn(below)
				}
				below = b
			} else {
				b.Offset = w * vg.Length(float64(k)-float64(len(ss)-1)/2)
			}
			p.Add(b)
			p.Legend.Add(sr.name, b)
		}
		p.NominalX(cats...)
		if len(cats) > 12 {
			p.X.Tick.Label.Rotation = math.Pi / 2
			p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
		}
	case "line", "scatter":
		for k, sr := range ss {
			xys := make(plotter.XYs, len(sr.x))
			idx := make([]int, len(sr.x))
			for n := range idx {
				idx[n] = n
			}
			if s.Type == "line" {
				sort.SliceStable(idx, func(a, b int) bool { return sr.x[idx[a]] < sr.x[idx[b]] })
			}
			for n, m := range idx {
				xys[n].X, xys[n].Y = sr.x[m], sr.y[m]
			}
			if s.Type == "line" {
				l, err := plotter.NewLine(xys)
				if err != nil {
					return nil, 0, err
				}
				l.Color = colorOf(s, sr.name, k)
				l.Width = vg.Points(1.5)
				p.Add(l)
				p.Legend.Add(sr.name, l)
			} else {
				sc, err := plotter.NewScatter(xys)
				if err != nil {
					return nil, 0, err
				}
				sc.Color = colorOf(s, sr.name, k)
				sc.Shape = plotutil.Shape(k)
				p.Add(sc)
				p.Legend.Add(sr.name, sc)
			}
		}
		if nominal {
			p.NominalX(cats...)
		}
		if timeX {
			p.X.Tick.Marker = plot.TimeTicks{Format: "2006-01"}
		}
		if s.Diagonal {
			lo, hi := math.Min(p.X.Min, p.Y.Min), math.Max(p.X.Max, p.Y.Max)
			if d, err := plotter.NewLine(plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}}); err == nil {
				d.Color, d.Dashes = color.Gray{Y: 90}, []vg.Length{vg.Points(4), vg.Points(3)}
				p.Add(d)
				p.Legend.Add("perfect calibration (y = x)", d)
			}
		}
		// A count axis starts at zero; a zoomed one (rates, shares) says so.
		if s.YZoom {
			if p.Y.Label.Text != "" {
				p.Y.Label.Text += " (axis not from zero)"
			}
		} else if p.Y.Min > 0 {
			p.Y.Min = 0
		}
		refLines(p, s)
	}
	if len(ss) < 2 && !s.Diagonal {
		p.Legend = plot.NewLegend()
	}
	b, err := svgWithLegend(p, chartWidth, chartHeight)
	return b, skipped, err
}

// bandColours are the bands' own colours, the same on every chart and in
// the app, whatever order the bands arrive in and whichever are present.
var bandColours = map[string]color.RGBA{
	"red": {0xb0, 0x00, 0x20, 0xff}, "amber": {0xf5, 0xb4, 0x00, 0xff}, "green": {0x2e, 0x7d, 0x32, 0xff},
}

// colorOf is a series' colour: a band's own, a colour the cell names, or
// the k-th of the Okabe-Ito palette.
func colorOf(s Spec, name string, k int) color.Color {
	if c, ok := bandColours[strings.ToLower(name)]; ok {
		return c
	}
	if hex, ok := s.Colors[name]; ok {
		if c, ok := parseHex(hex); ok {
			return c
		}
	}
	return seriesColor(k)
}

// parseHex reads "#RRGGBB".
func parseHex(h string) (color.RGBA, bool) {
	var r, g, b uint8
	if _, err := fmt.Sscanf(strings.TrimPrefix(h, "#"), "%02x%02x%02x", &r, &g, &b); err != nil {
		return color.RGBA{}, false
	}
	return color.RGBA{r, g, b, 0xff}, true
}

// svgWithLegend draws the plot with its legend in a strip below it (one
// row per entry), so the legend never covers a bar or a line.
func svgWithLegend(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	size := p.Legend.Rectangle(draw.New(vgsvg.New(w, h))).Size()
	if size.Y <= 0 {
		return svgOf(p, w, h)
	}
	strip := size.Y + vg.Points(10)
	c := vgsvg.New(w, h+strip)
	dc := draw.New(c)
	legend := p.Legend
	p.Legend = plot.NewLegend()
	p.Draw(draw.Crop(dc, 0, 0, strip, 0))
	legend.Left, legend.Top = true, true
	legend.XOffs = vg.Points(40)
	legend.Draw(draw.Crop(dc, 0, 0, 0, -h))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// refLines draws horizontal and vertical reference lines across the data.
func refLines(p *plot.Plot, s Spec) {
	gray := color.Gray{Y: 110}
	for _, h := range s.HLines {
		l := plotter.NewFunction(func(float64) float64 { return h })
		l.Color, l.Dashes = gray, []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
	}
	for _, v := range s.VLines {
		xys := plotter.XYs{{X: v, Y: p.Y.Min}, {X: v, Y: p.Y.Max}}
		l, err := plotter.NewLine(xys)
		if err == nil {
			l.Color, l.Dashes = gray, []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(l)
		}
	}
}

// timeline places events on a time axis, one lane per category: a
// relationship's occurrences, assessments, stage changes, plan dates and
// actions.
func timeline(p *plot.Plot, s Spec, r *Result, xi, lane int) ([]byte, int, error) {
	lanes, laneIdx := categories(r, lane)
	pts := make([]plotter.XYs, len(lanes))
	for _, row := range r.Rows {
		t, ok := row[xi].(time.Time)
		if !ok {
			continue
		}
		k := laneIdx[formatValue(row[lane], "")]
		pts[k] = append(pts[k], plotter.XY{X: float64(t.Unix()), Y: float64(k)})
	}
	for k, xys := range pts {
		if len(xys) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return nil, 0, err
		}
		sc.Color, sc.Shape = seriesColor(k), plotutil.Shape(k)
		sc.Radius = vg.Points(3.5)
		p.Add(sc)
	}
	p.NominalY(lanes...)
	p.X.Tick.Marker = plot.TimeTicks{Format: "2006-01"}
	refLines(p, s)
	h := vg.Length(2+len(lanes)) * vg.Centimeter * 0.8
	b, err := svgOf(p, chartWidth, max(h, 5*vg.Centimeter))
	return b, 0, err
}

// categories lists a column's values as text in first-seen order, with
// each one's position.
func categories(r *Result, col int) ([]string, map[string]int) {
	names, idx := []string{}, map[string]int{}
	for _, row := range r.Rows {
		k := formatValue(row[col], "")
		if _, ok := idx[k]; !ok {
			idx[k] = len(names)
			names = append(names, k)
		}
	}
	return names, idx
}

func svgOf(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	c := vgsvg.New(w, h)
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func isTime(v any) bool { _, ok := v.(time.Time); return ok }

func isNumber(v any) bool {
	if _, ok := v.(Suppressed); ok {
		return true
	}
	if isTime(v) {
		return false
	}
	_, ok := toFloat(v)
	return ok
}

// okabeIto is the Okabe-Ito palette (Okabe and Ito 2002, "Color Universal
// Design"), in an order whose first colours stay apart for the common
// colour-vision deficiencies: blue, vermillion, bluish green, orange, sky
// blue, reddish purple, yellow, black. No red-green pair comes first.
var okabeIto = []color.RGBA{
	{0x00, 0x72, 0xB2, 0xff}, {0xD5, 0x5E, 0x00, 0xff}, {0x00, 0x9E, 0x73, 0xff}, {0xE6, 0x9F, 0x00, 0xff},
	{0x56, 0xB4, 0xE9, 0xff}, {0xCC, 0x79, 0xA7, 0xff}, {0xF0, 0xE4, 0x42, 0xff}, {0x00, 0x00, 0x00, 0xff},
}

// seriesColor is the colour of a chart's k-th series.
func seriesColor(k int) color.Color { return okabeIto[k%len(okabeIto)] }
