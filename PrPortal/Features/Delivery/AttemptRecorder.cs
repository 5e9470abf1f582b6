using PrPortal.Data.Entities;
using PrPortal.Pipeline;

namespace PrPortal.Features.Delivery;

/// <summary>Hands the engine's attempt results to the attempt pipeline (and the delivery log), with the class of mail they were.</summary>
public sealed class AttemptRecorder(AttemptPipeline pipeline, DeliveryLogWriter log)
{
    /// <summary>Records every result; null class: the class of each result's delivery.</summary>
    public async Task<IReadOnlyList<(AttemptResult Result, Bounces.Classification? Meaning)>> RecordAsync(
        IReadOnlyList<AttemptResult> results, CancellationToken cancellationToken, TrafficClass? trafficClass = null)
    {
        if (results.Count == 0)
        {
            return [];
        }
        await log.WriteAsync(results, cancellationToken);
        var processed = await pipeline.ProcessAsync(results.Select(r => ToRecord(r, trafficClass)).ToList(), null, cancellationToken);
        return results.Zip(processed.Records, (r, p) => (r, p.Meaning)).ToList();
    }

    public static AttemptRecord ToRecord(AttemptResult r, TrafficClass? trafficClass) => new()
    {
        Origin = RecordOrigin.Engine,
        AtUtc = r.AttemptedAtUtc,
        SourceIp = r.Route.Address,
        Provider = r.Provider,
        Recipient = r.Recipient.Address,
        DeliveryId = r.Recipient.DeliveryId,
        MxHost = r.MxHost,
        ReplyCode = r.ReplyCode,
        EnhancedStatus = r.EnhancedStatus,
        ReplyText = r.ReplyText,
        Error = r.Error,
        Outcome = r.Outcome,
        Class = trafficClass,
    };

    public static DeliveryStatus StatusAfter(AttemptOutcome outcome) => AttemptPipeline.StatusAfter(outcome);
}
