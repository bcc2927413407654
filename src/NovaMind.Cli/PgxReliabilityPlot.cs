using NovaMind.Ml.Pharmacogenomics;
using ScottPlot;

namespace NovaMind.Cli;

/// <summary>Draws the reliability diagram of a pharmacogenomic training run as a PNG (ScottPlot).</summary>
public static class PgxReliabilityPlot
{
    public static byte[] RenderPng(ReliabilityDiagram diagram)
    {
        ArgumentNullException.ThrowIfNull(diagram);
        var plot = new Plot();
        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.LineColor = Colors.Gray;
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.LegendText = "perfect calibration";
        Add(plot, diagram.Transformer, "transformer (temperature-scaled)", Colors.C0);
        Add(plot, diagram.Uncalibrated, "transformer (before calibration)", Colors.LightSlateGray);
        Add(plot, diagram.Baseline, "logistic baseline", Colors.C1);
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.Title("Reliability of P(response), held-out test patients");
        plot.XLabel("mean predicted probability (bin)");
        plot.YLabel("observed response rate");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot.GetImageBytes(560, 520, ImageFormat.Png);
    }

    private static void Add(Plot plot, IReadOnlyList<ReliabilityBin> bins, string name, Color colour)
    {
        var used = bins.Where(b => b.Count > 0).ToList();
        var scatter = plot.Add.Scatter(used.Select(b => b.MeanPredicted).ToArray(), used.Select(b => b.Observed).ToArray());
        scatter.LegendText = name;
        scatter.Color = colour;
        scatter.LineWidth = 2;
        scatter.MarkerSize = 7;
    }
}
