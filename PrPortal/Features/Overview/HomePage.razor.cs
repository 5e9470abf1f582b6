using System.Globalization;
using MudBlazor;

namespace PrPortal.Features.Overview;

public partial class HomePage
{
    [Microsoft.AspNetCore.Components.Inject] private Reports.DailyReportService DailyReports { get; set; } = default!;

    private OverviewSummary? _summary;
    private Reports.DailyReportView? _report;
    private List<ChartSeries<double>> _dailySeries = [];
    private string[] _dailyLabels = [];

    // Accepted, rejected, deferred: the colours people read without a legend.
    private readonly StackedBarChartOptions _chartOptions = new() { ChartPalette = ["#1f5fa8", "#d32f2f", "#f9a825"] };

    private static bool IsJapanese => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "ja";

    private string FailedShare => _summary is { Deliveries: > 0 } s
        ? ((double)s.FailedDeliveries / s.Deliveries).ToString("P2")
        : "";

    protected override async Task OnInitializedAsync()
    {
        _summary = await Overview.LoadAsync(CancellationToken.None);
        _report = await DailyReports.LatestAsync(CancellationToken.None);
        // A label every 7 days keeps 60 bars readable.
        _dailyLabels = _summary.Days.Select((d, i) => i % 7 == 0 ? d.Day.ToString("MM/dd") : "").ToArray();
        _dailySeries =
        [
            new() { Name = L["Overview.Accepted"], Data = _summary.Days.Select(d => (double)d.Accepted).ToArray() },
            new() { Name = L["Overview.Rejected"], Data = _summary.Days.Select(d => (double)d.Rejected).ToArray() },
            new() { Name = L["Overview.Deferred"], Data = _summary.Days.Select(d => (double)d.Deferred).ToArray() },
        ];
    }
}
