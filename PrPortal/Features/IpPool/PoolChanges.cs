namespace PrPortal.Features.IpPool;

/// <summary>
/// Says "the pool's picture changed" (new attempts recorded, a blocklist check or SNDS import done, a
/// routing change, incidents opened by detection) so open grid and incident pages redraw at once over
/// their circuit instead of waiting for a timer.
/// </summary>
public sealed class PoolChanges
{
    public event Action? Changed;

    public void Notify() => Changed?.Invoke();
}
