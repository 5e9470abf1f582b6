using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using PrPortal.Data.Entities;

namespace PrPortal.Data;

/// <summary>
/// The pipeline's bulk writes, with prepared commands reused for every row inside the caller's
/// transaction: the record keys (insert-if-new tells new from seen) and the attempt rows. The SQL is
/// SQLite's; a PostgreSQL store would use COPY and ON CONFLICT the same way.
/// </summary>
public static class AttemptStore
{
    /// <summary>Inserts every key not stored yet; true where the key is new (a repeat in the same list is not).</summary>
    public static async Task<bool[]> InsertNewKeysAsync(PortalDbContext db, IReadOnlyList<(byte[] Hash, DateTime AtUtc)> keys, CancellationToken cancellationToken)
    {
        var fresh = new bool[keys.Count];
        if (keys.Count == 0)
        {
            return fresh;
        }
        await using var command = Command(db, "INSERT INTO RecordKeys (Hash, AtUtc) VALUES ($hash, $at) ON CONFLICT (Hash) DO NOTHING");
        var hash = command.Parameters.Add("$hash", SqliteType.Blob);
        var at = command.Parameters.Add("$at", SqliteType.Text);
        command.Prepare();
        for (var i = 0; i < keys.Count; i++)
        {
            hash.Value = keys[i].Hash;
            at.Value = keys[i].AtUtc;
            fresh[i] = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }
        return fresh;
    }

    public static async Task InsertAttemptsAsync(PortalDbContext db, IReadOnlyList<DeliveryAttempt> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }
        await using var command = Command(db, """
            INSERT INTO DeliveryAttempts (DeliveryId, AttemptedAtUtc, SendingIpId, ProviderId, MxHost, ReplyCode, EnhancedStatus, ReplyText, Error, Reason, IpBlock, BlockList, Outcome, TrafficClass, Stale)
            VALUES ($delivery, $at, $ip, $provider, $mx, $code, $status, $text, $error, $reason, $ipblock, $list, $outcome, $class, $stale)
            """);
        const SqliteType integer = SqliteType.Integer, text = SqliteType.Text;
        var p = new (string Name, SqliteType Type)[]
            {
                ("$delivery", integer), ("$at", text), ("$ip", integer), ("$provider", text), ("$mx", text), ("$code", integer), ("$status", text),
                ("$text", text), ("$error", text), ("$reason", text), ("$ipblock", integer), ("$list", text), ("$outcome", integer),
                ("$class", integer), ("$stale", integer),
            }
            .Select(x => command.Parameters.Add(x.Name, x.Type)).ToArray();
        command.Prepare();
        foreach (var a in rows)
        {
            static object Db(object? value) => value ?? DBNull.Value;
            p[0].Value = a.DeliveryId;
            p[1].Value = a.AttemptedAtUtc;
            p[2].Value = a.SendingIpId;
            p[3].Value = a.ProviderId;
            p[4].Value = Db(a.MxHost);
            p[5].Value = Db(a.ReplyCode);
            p[6].Value = Db(a.EnhancedStatus);
            p[7].Value = Db(a.ReplyText);
            p[8].Value = Db(a.Error);
            p[9].Value = Db(a.Reason);
            p[10].Value = a.IpBlock ? 1 : 0;
            p[11].Value = Db(a.BlockList);
            p[12].Value = (int)a.Outcome;
            p[13].Value = (int)a.TrafficClass;
            p[14].Value = a.Stale ? 1 : 0;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static SqliteCommand Command(PortalDbContext db, string sql)
    {
        var command = ((SqliteConnection)db.Database.GetDbConnection()).CreateCommand();
        command.Transaction = (SqliteTransaction?)db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = sql;
        return command;
    }
}
