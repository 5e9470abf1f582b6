using PrPortal.Data.Entities;

namespace PrPortal.Features.Incidents;

/// <summary>One attempt as the detector sees it: which IP, which provider, how it went.</summary>
public sealed record Observation(DateTime AtUtc, string SourceIp, string Provider, AttemptOutcome Outcome, bool IpBlock, string? Recipient, string? Reply,
    IncidentClass Class = IncidentClass.Live);

public enum DetectionKind
{
    IpBlock,
    AcceptanceDrop,
    Recovered,
    Silence,
}

/// <summary>Something the detector concluded about a cell (sending IP × provider), with its evidence.</summary>
public sealed record Detection(DateTime AtUtc, DetectionKind Kind, string SourceIp, string Provider, string Evidence);

/// <summary>Section "Detection".</summary>
public sealed record DetectorOptions
{
    /// <summary>IP-block replies from this many distinct recipients within <see cref="BlockWindow"/> mean a block.</summary>
    public int MinBlockRecipients { get; init; } = 3;
    public TimeSpan BlockWindow { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>
    /// Provider-wide: once IP-block replies from <see cref="MinBlockRecipients"/> distinct recipients reached one
    /// provider within this window (over any of its IPs) and make at least <see cref="ProviderBlockShare"/> of its
    /// attempts made there since the first of them, a single IP-block reply flags a further IP. A provider that blocks many IPs at once, or
    /// sees only a few mails an hour, is caught without waiting per IP; a stray refusal at a busy provider is not.
    /// </summary>
    public TimeSpan ProviderBlockWindow { get; init; } = TimeSpan.FromHours(1);
    public double ProviderBlockShare { get; init; } = 0.1;
    /// <summary>A cell's acceptance is judged over this window, and only with at least <see cref="MinVolume"/> attempts.</summary>
    public TimeSpan RateWindow { get; init; } = TimeSpan.FromMinutes(15);
    public int MinVolume { get; init; } = 20;
    /// <summary>A drop: below this share of the cell's own baseline and of the provider's other IPs.</summary>
    public double DropFactor { get; init; } = 0.5;
    /// <summary>A blocked cell is recovered after this many acceptances in a row.</summary>
    public int RecoveryAcceptances { get; init; } = 5;
    /// <summary>No attempts at all for this long, while mail was flowing before, is silence.</summary>
    public TimeSpan Silence { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary>Sending is "expected" when at least this many attempts were seen in the hour before the silence.</summary>
    public int SilenceMinVolume { get; init; } = 100;
}

/// <summary>
/// Watches attempts per sending IP × provider and says when a cell is blocked (IP-block replies from
/// several recipients in a short window), when its acceptance falls far below its own baseline and
/// its provider's other IPs (with minimum volumes, so a quiet cell does not flap), when it recovered,
/// and when the logs fall silent. Pure: fed attempts in time order, no clock or I/O of its own.
/// </summary>
public sealed class BlockDetector(DetectorOptions options)
{
    private readonly Dictionary<(string Ip, string Provider), Cell> _cells = [];
    private readonly Dictionary<string, List<Cell>> _byProvider = [];
    private readonly Dictionary<string, ProviderWindow> _providers = [];

    private sealed class ProviderWindow
    {
        /// <summary>Every attempt at the provider so far; a block remembers the count at its time.</summary>
        public long Attempts { get; set; }
        public Queue<(DateTime At, string Recipient, long AttemptsBefore)> Blocks { get; } = new();
    }

    private DateTime? _lastSeen;
    private DateTime? _silenceReported;
    private readonly Queue<DateTime> _lastHour = new();

    private sealed class Cell(string ip)
    {
        public string Ip { get; } = ip;
        public Queue<(DateTime At, string Recipient)> Blocks { get; } = new();
        public Queue<(DateTime At, bool Accepted)> Window { get; } = new();
        /// <summary>Acceptances inside <see cref="Window"/>, kept as it moves so a rate costs nothing.</summary>
        public int WindowAccepted { get; set; }
        public double Rate => Window.Count == 0 ? 1 : WindowAccepted / (double)Window.Count;
        public double? Baseline { get; set; }
        public DateTime BaselineFrom { get; set; }
        public bool Flagged { get; set; }
        public int AcceptedInARow { get; set; }
    }

    public IReadOnlyCollection<(string SourceIp, string Provider)> FlaggedCells =>
        _cells.Where(c => c.Value.Flagged).Select(c => c.Key).ToList();

    public IReadOnlyList<Detection> Observe(Observation o)
    {
        var found = new List<Detection>();
        _lastSeen = _lastSeen is { } last && last > o.AtUtc ? last : o.AtUtc;
        _silenceReported = null;
        _lastHour.Enqueue(o.AtUtc);
        while (_lastHour.TryPeek(out var old) && old < _lastSeen.Value.AddHours(-1))
        {
            _lastHour.Dequeue();
        }
        var key = (o.SourceIp, o.Provider);
        if (!_cells.TryGetValue(key, out var cell))
        {
            _cells[key] = cell = new Cell(o.SourceIp) { BaselineFrom = o.AtUtc };
            if (!_byProvider.TryGetValue(o.Provider, out var peers))
            {
                _byProvider[o.Provider] = peers = [];
            }
            peers.Add(cell);
        }

        var accepted = o.Outcome == AttemptOutcome.Accepted;
        cell.Window.Enqueue((o.AtUtc, accepted));
        cell.WindowAccepted += accepted ? 1 : 0;
        while (cell.Window.TryPeek(out var oldest) && oldest.At < o.AtUtc - options.RateWindow)
        {
            cell.Window.Dequeue();
            cell.WindowAccepted -= oldest.Accepted ? 1 : 0;
        }

        var atProvider = ProviderBlockRecipients(o);
        if (o.IpBlock)
        {
            cell.AcceptedInARow = 0;
            cell.Blocks.Enqueue((o.AtUtc, o.Recipient ?? Guid.NewGuid().ToString()));
            while (cell.Blocks.TryPeek(out var oldest) && oldest.At < o.AtUtc - options.BlockWindow)
            {
                cell.Blocks.Dequeue();
            }
            var recipients = cell.Blocks.Select(b => b.Recipient).Distinct().Count();
            if (!cell.Flagged && recipients >= options.MinBlockRecipients)
            {
                cell.Flagged = true;
                found.Add(new Detection(o.AtUtc, DetectionKind.IpBlock, o.SourceIp, o.Provider,
                    Infrastructure.Text.LocalText.Of("Detect.Recipients", recipients, options.BlockWindow.TotalMinutes.ToString("0")).Quoting(o.Reply).Encode()));
            }
            else if (!cell.Flagged && atProvider >= options.MinBlockRecipients)
            {
                cell.Flagged = true;
                found.Add(new Detection(o.AtUtc, DetectionKind.IpBlock, o.SourceIp, o.Provider,
                    Infrastructure.Text.LocalText.Of("Detect.AtProvider", Providers.MailboxProviderCatalog.InvariantName(o.Provider), atProvider, options.ProviderBlockWindow.TotalMinutes.ToString("0")).Quoting(o.Reply).Encode()));
            }
        }
        else if (accepted)
        {
            cell.AcceptedInARow++;
            if (cell.Flagged && cell.AcceptedInARow >= options.RecoveryAcceptances)
            {
                cell.Flagged = false;
                cell.Blocks.Clear();
                // The failures of the blocked time are not held against the recovered cell.
                cell.Window.Clear();
                cell.WindowAccepted = 0;
                found.Add(new Detection(o.AtUtc, DetectionKind.Recovered, o.SourceIp, o.Provider,
                    Infrastructure.Text.LocalText.Of("Detect.Recovered", cell.AcceptedInARow).Encode()));
            }
        }
        else
        {
            cell.AcceptedInARow = 0;
        }

        // Only a failure can start a drop.
        if (!accepted && !cell.Flagged && CheckDrop(key, cell, o.AtUtc) is { } drop)
        {
            cell.Flagged = true;
            found.Add(drop);
        }
        UpdateBaseline(cell, o.AtUtc);
        return found;
    }

    // Counts the attempt at its provider; for an IP block, the distinct recipients so refused at this provider
    // (any of its IPs) within the provider window, or 0 while they are too small a share of the attempts made
    // there since the oldest of them.
    private int ProviderBlockRecipients(Observation o)
    {
        if (!_providers.TryGetValue(o.Provider, out var window))
        {
            _providers[o.Provider] = window = new ProviderWindow();
        }
        window.Attempts++;
        if (!o.IpBlock)
        {
            return 0;
        }
        window.Blocks.Enqueue((o.AtUtc, o.Recipient ?? Guid.NewGuid().ToString(), window.Attempts - 1));
        while (window.Blocks.TryPeek(out var oldest) && oldest.At < o.AtUtc - options.ProviderBlockWindow)
        {
            window.Blocks.Dequeue();
        }
        var attemptsSince = window.Attempts - window.Blocks.Peek().AttemptsBefore;
        if (window.Blocks.Count < attemptsSince * options.ProviderBlockShare)
        {
            return 0;
        }
        // Only whether the threshold is reached matters, so counting stops there.
        var seen = new HashSet<string>();
        foreach (var (_, recipient, _) in window.Blocks)
        {
            if (seen.Add(recipient) && seen.Count >= options.MinBlockRecipients)
            {
                break;
            }
        }
        return seen.Count;
    }

    /// <summary>Silence: nothing seen for the configured time after mail was flowing. Said once until mail flows again.</summary>
    public IReadOnlyList<Detection> Tick(DateTime nowUtc)
    {
        if (_lastSeen is { } last && nowUtc - last >= options.Silence && _silenceReported is null && _lastHour.Count >= options.SilenceMinVolume)
        {
            _silenceReported = nowUtc;
            return [new Detection(nowUtc, DetectionKind.Silence, "*", "*", Infrastructure.Text.LocalText.Of("Detect.Silence", Components.Shared.PortalTime.Format(last)).Encode())];
        }
        return [];
    }

    private Detection? CheckDrop((string Ip, string Provider) key, Cell cell, DateTime at)
    {
        var volume = cell.Window.Count;
        if (volume < options.MinVolume || cell.Baseline is not { } baseline)
        {
            return null;
        }
        var rate = cell.Rate;
        if (rate >= baseline * options.DropFactor)
        {
            return null;
        }
        double sum = 0;
        var count = 0;
        foreach (var peer in _byProvider[key.Provider])
        {
            if (!ReferenceEquals(peer, cell) && peer.Window.Count >= options.MinVolume)
            {
                sum += peer.Rate;
                count++;
            }
        }
        var peerRate = count > 0 ? sum / count : (double?)null;
        // Far below its own past, and (where peers exist) far below the same provider's other IPs.
        if (rate < baseline * options.DropFactor && (peerRate is null || rate < peerRate * options.DropFactor))
        {
            return new Detection(at, DetectionKind.AcceptanceDrop, key.Ip, key.Provider,
                (peerRate is { } p ? Infrastructure.Text.LocalText.Of("Detect.DropPeers", rate.ToString("P0", System.Globalization.CultureInfo.InvariantCulture), volume, baseline.ToString("P0", System.Globalization.CultureInfo.InvariantCulture), p.ToString("P0", System.Globalization.CultureInfo.InvariantCulture))
                    : Infrastructure.Text.LocalText.Of("Detect.Drop", rate.ToString("P0", System.Globalization.CultureInfo.InvariantCulture), volume, baseline.ToString("P0", System.Globalization.CultureInfo.InvariantCulture))).Encode());
        }
        return null;
    }

    // The baseline moves slowly with windows that were not flagged, so a block does not become normal.
    private void UpdateBaseline(Cell cell, DateTime at)
    {
        if (cell.Flagged || cell.Window.Count < options.MinVolume || at - cell.BaselineFrom < options.RateWindow)
        {
            return;
        }
        var rate = cell.Rate;
        cell.Baseline = cell.Baseline is { } b ? b * 0.8 + rate * 0.2 : rate;
        cell.BaselineFrom = at;
    }
}
