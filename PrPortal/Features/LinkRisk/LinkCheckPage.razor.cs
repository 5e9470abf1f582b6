using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;

namespace PrPortal.Features.LinkRisk;

public partial class LinkCheckPage : IDisposable
{
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private readonly CancellationTokenSource _leaving = new();
    private string? _html;
    private string? _sample;
    private string? _fileName;
    private string? _error;
    private bool _busy;
    private int _done, _total;
    private LinkCheckReport? _report;

    private double Percent => _total == 0 ? 0 : 100.0 * _done / _total;

    protected override void OnInitialized() => _sample = Links.SampleRelease();

    private async Task UploadAsync(IBrowserFile? file)
    {
        _error = null;
        if (file is null)
        {
            return;
        }
        if (file.Size > Links.Options.MaxHtmlBytes)
        {
            _error = string.Format(L["Links.TooLarge"], file.Name, file.Size / 1024.0 / 1024, Links.Options.MaxHtmlBytes / 1024 / 1024);
            return;
        }
        using var reader = new StreamReader(file.OpenReadStream(Links.Options.MaxHtmlBytes, _leaving.Token));
        _html = await reader.ReadToEndAsync(_leaving.Token);
        _fileName = file.Name;
    }

    private async Task CheckAsync()
    {
        _busy = true;
        _error = null;
        _report = null;
        _done = _total = 0;
        var progress = new Progress<(int Done, int Total)>(p =>
        {
            // Progress reports arrive out of order from many links at once; show the furthest.
            if (p.Done > _done)
            {
                (_done, _total) = p;
                _ = InvokeAsync(StateHasChanged);
            }
        });
        try
        {
            _report = await Links.CheckAsync((await AuthenticationState).User, _html ?? "", progress, _leaving.Token);
        }
        catch (ArgumentException e)
        {
            _error = e.Message;
        }
        catch (OperationCanceledException) when (_leaving.IsCancellationRequested)
        {
            return;
        }
        finally
        {
            _busy = false;
        }
    }

    public void Dispose()
    {
        _leaving.Cancel();
        _leaving.Dispose();
    }
}
