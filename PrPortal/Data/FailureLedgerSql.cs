namespace PrPortal.Data;

/// <summary>
/// The triggers that keep <see cref="Entities.FailedDelivery"/> in step with the attempts, whoever writes
/// them: a refusal adds the delivery (a later refusal updates the reason, not the first failure's time);
/// an acceptance marks it delivered; a delivery that runs out of retries is added as expired.
/// </summary>
public static class FailureLedgerSql
{
    /// <summary>The first triggers (before traffic classes), as the migration that made them ran them.</summary>
    public const string CreateTriggersV1 = """
        CREATE TRIGGER IF NOT EXISTS FailedDeliveries_OnRefused AFTER INSERT ON DeliveryAttempts
        WHEN NEW.Outcome = 3
        BEGIN
            INSERT INTO FailedDeliveries (DeliveryId, ReleaseId, CompanyId, RecipientId, Category, ProviderId, SendingIpId, Reason, IpBlock, FailedAtUtc, DeliveredAtUtc, ResendState)
            SELECT d.Id, d.ReleaseId, r.CompanyId, d.RecipientId, p.Category, NEW.ProviderId, NEW.SendingIpId, NEW.Reason, NEW.IpBlock, NEW.AttemptedAtUtc, NULL, 0
            FROM Deliveries d JOIN Releases r ON r.Id = d.ReleaseId JOIN Recipients p ON p.Id = d.RecipientId
            WHERE d.Id = NEW.DeliveryId
            ON CONFLICT (DeliveryId) DO UPDATE SET ProviderId = excluded.ProviderId, SendingIpId = excluded.SendingIpId,
                Reason = excluded.Reason, IpBlock = excluded.IpBlock
            WHERE FailedDeliveries.DeliveredAtUtc IS NULL;
        END;

        CREATE TRIGGER IF NOT EXISTS FailedDeliveries_OnAccepted AFTER INSERT ON DeliveryAttempts
        WHEN NEW.Outcome = 1
        BEGIN
            UPDATE FailedDeliveries SET DeliveredAtUtc = NEW.AttemptedAtUtc WHERE DeliveryId = NEW.DeliveryId AND DeliveredAtUtc IS NULL;
        END;

        CREATE TRIGGER IF NOT EXISTS FailedDeliveries_OnExpired AFTER UPDATE OF Status ON Deliveries
        WHEN NEW.Status = 3 AND OLD.Status <> 3
        BEGIN
            INSERT OR IGNORE INTO FailedDeliveries (DeliveryId, ReleaseId, CompanyId, RecipientId, Category, ProviderId, SendingIpId, Reason, IpBlock, FailedAtUtc, DeliveredAtUtc, ResendState)
            SELECT NEW.Id, NEW.ReleaseId, r.CompanyId, NEW.RecipientId, p.Category, a.ProviderId, a.SendingIpId, 'expired', a.IpBlock, a.AttemptedAtUtc, NULL, 0
            FROM Releases r, Recipients p,
                (SELECT ProviderId, SendingIpId, IpBlock, AttemptedAtUtc FROM DeliveryAttempts WHERE DeliveryId = NEW.Id ORDER BY AttemptedAtUtc DESC LIMIT 1) a
            WHERE r.Id = NEW.ReleaseId AND p.Id = NEW.RecipientId;
        END;
        """;

    /// <summary>
    /// Only customer mail and resends (traffic class 0 and 1) enter the ledger; a stale refusal (older than
    /// the delivery's acceptance) never does.
    /// </summary>
    public const string CreateTriggers = """
        CREATE TRIGGER IF NOT EXISTS FailedDeliveries_OnRefused AFTER INSERT ON DeliveryAttempts
        WHEN NEW.Outcome = 3 AND NEW.TrafficClass IN (0, 1) AND NEW.Stale = 0
        BEGIN
            INSERT INTO FailedDeliveries (DeliveryId, ReleaseId, CompanyId, RecipientId, Category, ProviderId, SendingIpId, Reason, IpBlock, FailedAtUtc, DeliveredAtUtc, ResendState)
            SELECT d.Id, d.ReleaseId, r.CompanyId, d.RecipientId, p.Category, NEW.ProviderId, NEW.SendingIpId, NEW.Reason, NEW.IpBlock, NEW.AttemptedAtUtc, NULL, 0
            FROM Deliveries d JOIN Releases r ON r.Id = d.ReleaseId JOIN Recipients p ON p.Id = d.RecipientId
            WHERE d.Id = NEW.DeliveryId AND d.TrafficClass IN (0, 1)
            ON CONFLICT (DeliveryId) DO UPDATE SET ProviderId = excluded.ProviderId, SendingIpId = excluded.SendingIpId,
                Reason = excluded.Reason, IpBlock = excluded.IpBlock
            WHERE FailedDeliveries.DeliveredAtUtc IS NULL;
        END;

        CREATE TRIGGER IF NOT EXISTS FailedDeliveries_OnAccepted AFTER INSERT ON DeliveryAttempts
        WHEN NEW.Outcome = 1
        BEGIN
            UPDATE FailedDeliveries SET DeliveredAtUtc = NEW.AttemptedAtUtc WHERE DeliveryId = NEW.DeliveryId AND DeliveredAtUtc IS NULL;
        END;

        CREATE TRIGGER IF NOT EXISTS FailedDeliveries_OnExpired AFTER UPDATE OF Status ON Deliveries
        WHEN NEW.Status = 3 AND OLD.Status <> 3 AND NEW.TrafficClass IN (0, 1)
        BEGIN
            INSERT OR IGNORE INTO FailedDeliveries (DeliveryId, ReleaseId, CompanyId, RecipientId, Category, ProviderId, SendingIpId, Reason, IpBlock, FailedAtUtc, DeliveredAtUtc, ResendState)
            SELECT NEW.Id, NEW.ReleaseId, r.CompanyId, NEW.RecipientId, p.Category, a.ProviderId, a.SendingIpId, 'expired', a.IpBlock, a.AttemptedAtUtc, NULL, 0
            FROM Releases r, Recipients p,
                (SELECT ProviderId, SendingIpId, IpBlock, AttemptedAtUtc FROM DeliveryAttempts WHERE DeliveryId = NEW.Id AND Stale = 0 ORDER BY AttemptedAtUtc DESC LIMIT 1) a
            WHERE r.Id = NEW.ReleaseId AND p.Id = NEW.RecipientId;
        END;
        """;

    public const string DropTriggers = """
        DROP TRIGGER IF EXISTS FailedDeliveries_OnRefused;
        DROP TRIGGER IF EXISTS FailedDeliveries_OnAccepted;
        DROP TRIGGER IF EXISTS FailedDeliveries_OnExpired;
        """;

    /// <summary>Deliveries that failed before the ledger existed, from their last refusal.</summary>
    public const string Backfill = """
        INSERT OR IGNORE INTO FailedDeliveries (DeliveryId, ReleaseId, CompanyId, RecipientId, Category, ProviderId, SendingIpId, Reason, IpBlock, FailedAtUtc, DeliveredAtUtc, ResendState)
        SELECT d.Id, d.ReleaseId, r.CompanyId, d.RecipientId, p.Category, a.ProviderId, a.SendingIpId, a.Reason, a.IpBlock, a.AttemptedAtUtc, NULL, 0
        FROM Deliveries d
        JOIN Releases r ON r.Id = d.ReleaseId
        JOIN Recipients p ON p.Id = d.RecipientId
        JOIN DeliveryAttempts a ON a.Id = (SELECT Id FROM DeliveryAttempts WHERE DeliveryId = d.Id AND Outcome = 3 ORDER BY AttemptedAtUtc DESC LIMIT 1)
        WHERE d.Status = 3;
        """;
}
