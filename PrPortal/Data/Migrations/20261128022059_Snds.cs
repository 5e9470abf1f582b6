using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PrPortal.Data.Migrations
{
    /// <inheritdoc />
    public partial class Snds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "SndsDataRows",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Ip = table.Column<string>(type: "TEXT", maxLength: 45, nullable: false),
                    ActivityStartUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ActivityEndUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    RcptCommands = table.Column<int>(type: "INTEGER", nullable: false),
                    DataCommands = table.Column<int>(type: "INTEGER", nullable: false),
                    Recipients = table.Column<int>(type: "INTEGER", nullable: false),
                    FilterResult = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    ComplaintRate = table.Column<string>(type: "TEXT", nullable: true),
                    TrapHits = table.Column<int>(type: "INTEGER", nullable: false),
                    SampleHelo = table.Column<string>(type: "TEXT", nullable: true),
                    SampleMailFrom = table.Column<string>(type: "TEXT", nullable: true),
                    Comments = table.Column<string>(type: "TEXT", nullable: true),
                    ImportedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SndsDataRows", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SndsImports",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    AtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Succeeded = table.Column<bool>(type: "INTEGER", nullable: false),
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    DataRows = table.Column<int>(type: "INTEGER", nullable: false),
                    StatusRanges = table.Column<int>(type: "INTEGER", nullable: false),
                    BadRows = table.Column<int>(type: "INTEGER", nullable: false),
                    BadRowSamples = table.Column<string>(type: "TEXT", nullable: true),
                    Error = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SndsImports", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SndsIpStatusRanges",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    FirstIp = table.Column<string>(type: "TEXT", maxLength: 45, nullable: false),
                    LastIp = table.Column<string>(type: "TEXT", maxLength: 45, nullable: false),
                    Blocked = table.Column<bool>(type: "INTEGER", nullable: false),
                    Details = table.Column<string>(type: "TEXT", nullable: true),
                    ImportedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SndsIpStatusRanges", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_SndsDataRows_Day_Ip",
                table: "SndsDataRows",
                columns: new[] { "Day", "Ip" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_SndsDataRows_Ip",
                table: "SndsDataRows",
                column: "Ip");

            migrationBuilder.CreateIndex(
                name: "IX_SndsImports_AtUtc",
                table: "SndsImports",
                column: "AtUtc");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "SndsDataRows");

            migrationBuilder.DropTable(
                name: "SndsImports");

            migrationBuilder.DropTable(
                name: "SndsIpStatusRanges");
        }
    }
}
