using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PrPortal.Data.Migrations
{
    /// <inheritdoc />
    public partial class Blocklists : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "BlocklistZones",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    QueryDomain = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    ListingCodes = table.Column<string>(type: "TEXT", nullable: false),
                    ErrorCodes = table.Column<string>(type: "TEXT", nullable: false),
                    Weight = table.Column<int>(type: "INTEGER", nullable: false),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    DelistUrl = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BlocklistZones", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "BlocklistListings",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    SendingIpId = table.Column<int>(type: "INTEGER", nullable: false),
                    ZoneId = table.Column<int>(type: "INTEGER", nullable: true),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Codes = table.Column<string>(type: "TEXT", nullable: true),
                    Reason = table.Column<string>(type: "TEXT", nullable: true),
                    FirstSeenUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    LastSeenUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    DelistedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Note = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BlocklistListings", x => x.Id);
                    table.ForeignKey(
                        name: "FK_BlocklistListings_BlocklistZones_ZoneId",
                        column: x => x.ZoneId,
                        principalTable: "BlocklistZones",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_BlocklistListings_SendingIps_SendingIpId",
                        column: x => x.SendingIpId,
                        principalTable: "SendingIps",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "BlocklistResults",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    SendingIpId = table.Column<int>(type: "INTEGER", nullable: false),
                    ZoneId = table.Column<int>(type: "INTEGER", nullable: false),
                    Status = table.Column<int>(type: "INTEGER", nullable: false),
                    Codes = table.Column<string>(type: "TEXT", nullable: true),
                    Reason = table.Column<string>(type: "TEXT", nullable: true),
                    CheckedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BlocklistResults", x => x.Id);
                    table.ForeignKey(
                        name: "FK_BlocklistResults_BlocklistZones_ZoneId",
                        column: x => x.ZoneId,
                        principalTable: "BlocklistZones",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_BlocklistResults_SendingIps_SendingIpId",
                        column: x => x.SendingIpId,
                        principalTable: "SendingIps",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "DelistingRequests",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ListingId = table.Column<long>(type: "INTEGER", nullable: false),
                    Where = table.Column<string>(type: "TEXT", nullable: false),
                    RequestedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    RequestedBy = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<int>(type: "INTEGER", nullable: false),
                    Note = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DelistingRequests", x => x.Id);
                    table.ForeignKey(
                        name: "FK_DelistingRequests_BlocklistListings_ListingId",
                        column: x => x.ListingId,
                        principalTable: "BlocklistListings",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_BlocklistListings_FirstSeenUtc",
                table: "BlocklistListings",
                column: "FirstSeenUtc");

            migrationBuilder.CreateIndex(
                name: "IX_BlocklistListings_SendingIpId_ZoneId_Kind_DelistedAtUtc",
                table: "BlocklistListings",
                columns: new[] { "SendingIpId", "ZoneId", "Kind", "DelistedAtUtc" });

            migrationBuilder.CreateIndex(
                name: "IX_BlocklistListings_ZoneId",
                table: "BlocklistListings",
                column: "ZoneId");

            migrationBuilder.CreateIndex(
                name: "IX_BlocklistResults_SendingIpId_ZoneId",
                table: "BlocklistResults",
                columns: new[] { "SendingIpId", "ZoneId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_BlocklistResults_ZoneId",
                table: "BlocklistResults",
                column: "ZoneId");

            migrationBuilder.CreateIndex(
                name: "IX_BlocklistZones_QueryDomain",
                table: "BlocklistZones",
                column: "QueryDomain",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_DelistingRequests_ListingId",
                table: "DelistingRequests",
                column: "ListingId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "BlocklistResults");

            migrationBuilder.DropTable(
                name: "DelistingRequests");

            migrationBuilder.DropTable(
                name: "BlocklistListings");

            migrationBuilder.DropTable(
                name: "BlocklistZones");
        }
    }
}
