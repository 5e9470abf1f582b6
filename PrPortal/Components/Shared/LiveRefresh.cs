using System.Globalization;

namespace PrPortal.Components.Shared;

/// <summary>
/// Redraws a page left open (a wall screen): every <c>every</c>, and at once when <see cref="Poke"/> says
/// new data arrived, at most once a second. The redraw runs in the page's own culture: a timer or an
/// event fires on a thread that does not carry the circuit's language.
/// </summary>
public sealed class LiveRefresh : IDisposable
{
    private readonly Func<Func<Task>, Task> _invoke;
    private readonly Func<Task> _refresh;
    private readonly CultureInfo _culture = CultureInfo.CurrentCulture;
    private readonly CultureInfo _uiCulture = CultureInfo.CurrentUICulture;
    private readonly Timer _timer;
    private int _pending;

    /// <param name="invoke">The component's InvokeAsync.</param>
    /// <param name="refresh">Loads the data and calls StateHasChanged.</param>
    public LiveRefresh(Func<Func<Task>, Task> invoke, Func<Task> refresh, TimeSpan every)
    {
        _invoke = invoke;
        _refresh = refresh;
        _timer = new Timer(_ => Poke(), null, every, every);
    }

    public void Poke()
    {
        if (Interlocked.Exchange(ref _pending, 1) == 1)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            Interlocked.Exchange(ref _pending, 0);
            await _invoke(async () =>
            {
                CultureInfo.CurrentCulture = _culture;
                CultureInfo.CurrentUICulture = _uiCulture;
                await _refresh();
            });
        });
    }

    public void Dispose() => _timer.Dispose();
}
