using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PrPortal.Data.Migrations
{
    /// <inheritdoc />
    public partial class SenderDomains : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "SenderDomains",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    CompanyId = table.Column<int>(type: "INTEGER", nullable: false),
                    Domain = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    Selector = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    DkimPublicKey = table.Column<string>(type: "TEXT", nullable: false),
                    DkimPrivateKeyProtected = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CheckedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    CustomFromAllowed = table.Column<bool>(type: "INTEGER", nullable: false),
                    SuspendedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    SpfResult = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    DkimStatus = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    DmarcStatus = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    BlockedReasons = table.Column<string>(type: "TEXT", nullable: true),
                    LastCheckJson = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SenderDomains", x => x.Id);
                    table.ForeignKey(
                        name: "FK_SenderDomains_Companies_CompanyId",
                        column: x => x.CompanyId,
                        principalTable: "Companies",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_SenderDomains_CompanyId",
                table: "SenderDomains",
                column: "CompanyId");

            migrationBuilder.CreateIndex(
                name: "IX_SenderDomains_Domain",
                table: "SenderDomains",
                column: "Domain",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "SenderDomains");
        }
    }
}
