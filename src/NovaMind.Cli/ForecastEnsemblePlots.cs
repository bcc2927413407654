using NovaMind.Ml.Forecasting;
using ScottPlot;

namespace NovaMind.Cli;

/// <summary>PNG plots of a symptom's forecast run (ScottPlot): test MAE by horizon, and fan charts for sample test patients.</summary>
public static class ForecastEnsemblePlots
{
    public static byte[] ErrorByHorizonPng(ForecastEnsembleReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var plot = new Plot();
        var xs = report.Horizons.Select(h => (double)h).ToArray();
        var palette = new ScottPlot.Palettes.Category10();
        var k = 0;
        foreach (var (name, mae) in report.Mae)
        {
            var s = plot.Add.Scatter(xs, mae);
            s.LegendText = name;
            s.Color = palette.GetColor(k++);
            s.LineWidth = name == "ensemble" ? 3 : 1.5f;
            s.MarkerSize = 5;
        }
        plot.Title($"Test MAE by horizon ({report.Symptom})");
        plot.XLabel("horizon (days)");
        plot.YLabel("MAE");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot.GetImageBytes(760, 520, ImageFormat.Png);
    }

    public static byte[] FanChartPng(ForecastEnsembleReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var charts = report.FanCharts;
        var multiplot = new Multiplot();
        while (multiplot.Count() > 0) multiplot.RemovePlot(multiplot.GetPlot(0));
        foreach (var c in charts)
        {
            var plot = multiplot.AddPlot();
            var hx = Enumerable.Range(-c.History.Length + 1, c.History.Length).Select(d => (double)d).ToArray();
            var fx = Enumerable.Range(1, c.Mean.Length).Select(d => (double)d).ToArray();
            var band95 = plot.Add.FillY(fx, c.Lower95, c.Upper95);
            band95.FillColor = Colors.C0.WithAlpha(0.15);
            band95.LegendText = "95 %";
            var band80 = plot.Add.FillY(fx, c.Lower80, c.Upper80);
            band80.FillColor = Colors.C0.WithAlpha(0.3);
            band80.LegendText = "80 %";
            var hist = Observed(hx, c.History);
            var h = plot.Add.ScatterPoints(hist.X, hist.Y);
            h.Color = Colors.Black;
            h.LegendText = "observed";
            var fut = Observed(fx, c.Actual);
            var f = plot.Add.ScatterPoints(fut.X, fut.Y);
            f.Color = Colors.Black;
            f.MarkerShape = MarkerShape.OpenCircle;
            f.LegendText = "actual (held out)";
            var m = plot.Add.Scatter(fx, c.Mean);
            m.Color = Colors.C0;
            m.LineWidth = 2;
            m.LegendText = "ensemble";
            var o = plot.Add.Scatter(fx, c.Oracle);
            o.Color = Colors.C3;
            o.LinePattern = LinePattern.Dashed;
            o.LegendText = "oracle";
            plot.Title($"patient {c.Patient}, origin {c.Origin:yyyy-MM-dd}");
            plot.XLabel("days from origin");
            plot.YLabel(report.Symptom);
            plot.ShowLegend(Alignment.LowerLeft);
        }
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Rows();
        return multiplot.Render(900, 320 * Math.Max(1, charts.Count)).GetImageBytes(ImageFormat.Png);
    }

    private static (double[] X, double[] Y) Observed(double[] x, double[] y)
    {
        var keep = Enumerable.Range(0, y.Length).Where(i => !double.IsNaN(y[i])).ToArray();
        return (keep.Select(i => x[i]).ToArray(), keep.Select(i => y[i]).ToArray());
    }
}
