using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PrPortal.Data.Migrations
{
    /// <inheritdoc />
    public partial class SendLogIngestion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Transport",
                table: "SendingIps",
                type: "TEXT",
                maxLength: 100,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "AttemptRollups",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    HourUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    SourceIp = table.Column<string>(type: "TEXT", maxLength: 45, nullable: false),
                    ProviderId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Outcome = table.Column<int>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    IpBlock = table.Column<bool>(type: "INTEGER", nullable: false),
                    Count = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AttemptRollups", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "IngestCheckpoints",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Source = table.Column<string>(type: "TEXT", maxLength: 600, nullable: false),
                    LinesDone = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IngestCheckpoints", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "IngestRejections",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Source = table.Column<string>(type: "TEXT", maxLength: 600, nullable: false),
                    LineNumber = table.Column<long>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Excerpt = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    AtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IngestRejections", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AttemptRollups_HourUtc_SourceIp_ProviderId_Outcome_Reason_IpBlock",
                table: "AttemptRollups",
                columns: new[] { "HourUtc", "SourceIp", "ProviderId", "Outcome", "Reason", "IpBlock" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_AttemptRollups_SourceIp_ProviderId_HourUtc",
                table: "AttemptRollups",
                columns: new[] { "SourceIp", "ProviderId", "HourUtc" });

            migrationBuilder.CreateIndex(
                name: "IX_IngestCheckpoints_Source",
                table: "IngestCheckpoints",
                column: "Source",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_IngestRejections_AtUtc",
                table: "IngestRejections",
                column: "AtUtc");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AttemptRollups");

            migrationBuilder.DropTable(
                name: "IngestCheckpoints");

            migrationBuilder.DropTable(
                name: "IngestRejections");

            migrationBuilder.DropColumn(
                name: "Transport",
                table: "SendingIps");
        }
    }
}
