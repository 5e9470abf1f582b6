using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PrPortal.Data.Migrations
{
    /// <inheritdoc />
    public partial class AttemptPipeline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "IngestCheckpoints");

            migrationBuilder.DropIndex(
                name: "IX_AttemptRollups_HourUtc_SourceIp_ProviderId_Outcome_Reason_IpBlock",
                table: "AttemptRollups");

            migrationBuilder.AddColumn<int>(
                name: "Class",
                table: "Incidents",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "MergedIntoId",
                table: "Incidents",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "Stale",
                table: "DeliveryAttempts",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "TrafficClass",
                table: "DeliveryAttempts",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "TrafficClass",
                table: "Deliveries",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "TrafficClass",
                table: "AttemptRollups",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "FileCheckpoints",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    FileKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Path = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    Offset = table.Column<long>(type: "INTEGER", nullable: false),
                    Lines = table.Column<long>(type: "INTEGER", nullable: false),
                    TailHash = table.Column<string>(type: "TEXT", nullable: false),
                    UpdatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_FileCheckpoints", x => x.Id);
                });

            // One row per key, looked up by the key alone: a clustered table without rowids.
            migrationBuilder.Sql("CREATE TABLE \"RecordKeys\" (\"Hash\" BLOB NOT NULL CONSTRAINT \"PK_RecordKeys\" PRIMARY KEY, \"AtUtc\" TEXT NOT NULL) WITHOUT ROWID;");

            migrationBuilder.CreateIndex(
                name: "IX_Incidents_Class_Status",
                table: "Incidents",
                columns: new[] { "Class", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_AttemptRollups_HourUtc_SourceIp_ProviderId_Outcome_Reason_IpBlock_TrafficClass",
                table: "AttemptRollups",
                columns: new[] { "HourUtc", "SourceIp", "ProviderId", "Outcome", "Reason", "IpBlock", "TrafficClass" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_FileCheckpoints_FileKey",
                table: "FileCheckpoints",
                column: "FileKey",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RecordKeys_AtUtc",
                table: "RecordKeys",
                column: "AtUtc");

            // Test sends and drills made before traffic classes existed are marked by their companies' releases.
            migrationBuilder.Sql("""
                UPDATE Deliveries SET TrafficClass = 3 WHERE ReleaseId IN (SELECT r.Id FROM Releases r JOIN Companies c ON c.Id = r.CompanyId WHERE c.Name = 'テスト送信 (PrPortal)');
                """);
            migrationBuilder.Sql(FailureLedgerSql.DropTriggers);
            migrationBuilder.Sql(FailureLedgerSql.CreateTriggers);
            migrationBuilder.Sql("DELETE FROM FailedDeliveries WHERE DeliveryId IN (SELECT Id FROM Deliveries WHERE TrafficClass NOT IN (0, 1));");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(FailureLedgerSql.DropTriggers);
            migrationBuilder.Sql(FailureLedgerSql.CreateTriggersV1);
            migrationBuilder.DropTable(
                name: "FileCheckpoints");

            migrationBuilder.DropTable(
                name: "RecordKeys");

            migrationBuilder.DropIndex(
                name: "IX_Incidents_Class_Status",
                table: "Incidents");

            migrationBuilder.DropIndex(
                name: "IX_AttemptRollups_HourUtc_SourceIp_ProviderId_Outcome_Reason_IpBlock_TrafficClass",
                table: "AttemptRollups");

            migrationBuilder.DropColumn(
                name: "Class",
                table: "Incidents");

            migrationBuilder.DropColumn(
                name: "MergedIntoId",
                table: "Incidents");

            migrationBuilder.DropColumn(
                name: "Stale",
                table: "DeliveryAttempts");

            migrationBuilder.DropColumn(
                name: "TrafficClass",
                table: "DeliveryAttempts");

            migrationBuilder.DropColumn(
                name: "TrafficClass",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "TrafficClass",
                table: "AttemptRollups");

            migrationBuilder.CreateTable(
                name: "IngestCheckpoints",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    LinesDone = table.Column<long>(type: "INTEGER", nullable: false),
                    Source = table.Column<string>(type: "TEXT", maxLength: 600, nullable: false),
                    UpdatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IngestCheckpoints", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AttemptRollups_HourUtc_SourceIp_ProviderId_Outcome_Reason_IpBlock",
                table: "AttemptRollups",
                columns: new[] { "HourUtc", "SourceIp", "ProviderId", "Outcome", "Reason", "IpBlock" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_IngestCheckpoints_Source",
                table: "IngestCheckpoints",
                column: "Source",
                unique: true);
        }
    }
}
