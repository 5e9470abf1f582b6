using Microsoft.AspNetCore.Components;

namespace PrPortal.Features.Delivery;

public partial class TestSendPage
{
    private static readonly string[] Samples =
    [
        "tanaka@outlook.jp", "desk@sakura-shimbun.example.co.jp", "yuki@gmail.com", "ken@yahoo.co.jp",
        "aoi@docomo.ne.jp", "riku@ezweb.ne.jp", "mei@icloud.com",
    ];

    [Inject] private DeliveryService Delivery { get; set; } = default!;
    [Inject] private TrafficGenerator Traffic { get; set; } = default!;

    private readonly TestSend _request = new();
    private IReadOnlyList<SendingIpChoice> _ips = [];
    private TestSendResult? _result;
    private bool _sending;
    private string? _error;
    private int _trafficMails = 500;
    private double _trafficRate = 50;
    private CancellationTokenSource? _traffic;
    private TrafficProgress? _progress;

    protected override async Task OnInitializedAsync() => _ips = await Delivery.SendingIpsAsync(CancellationToken.None);

    private string IpLabel(SendingIpChoice ip) =>
        $"{ip.Address}{(ip.BindAddress is { } bind ? $" ({bind})" : "")} · {L[ip.Role == Data.Entities.SendingIpRole.Primary ? "TestSend.Primary" : "TestSend.Spare"]}";

    private void AddSample(string address) =>
        _request.Recipients = string.IsNullOrWhiteSpace(_request.Recipients) ? address : _request.Recipients.TrimEnd() + "\n" + address;

    private async Task SendAsync()
    {
        _sending = true;
        _error = null;
        try
        {
            _result = await Delivery.SendTestAsync(_request, CancellationToken.None);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            _error = e.Message;
        }
        finally
        {
            _sending = false;
        }
    }

    private async Task StartTrafficAsync()
    {
        _traffic = new CancellationTokenSource();
        _error = null;
        var progress = new Progress<TrafficProgress>(p =>
        {
            _progress = p;
            _ = InvokeAsync(StateHasChanged);
        });
        try
        {
            _progress = await Traffic.RunAsync(new TrafficPlan(_trafficMails, _trafficRate), progress, _traffic.Token);
        }
        catch (OperationCanceledException)
        {
            // Stopped by the user; the counts so far stay on screen.
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            _error = e.Message;
        }
        finally
        {
            _traffic?.Dispose();
            _traffic = null;
        }
    }

    private void StopTraffic() => _traffic?.Cancel();

    public void Dispose() => _traffic?.Cancel();
}
