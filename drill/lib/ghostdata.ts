// A Ghost-shaped database generated inside MariaDB (no Ghost needed): the tables that carry
// Ghost's bulk (posts with html + lexical + mobiledoc + plaintext, members, tags, posts_tags
// with foreign keys), knex-migrator's `migrations`, and a view like Ghost 6's
// members_resolved_subscription. Rows are made server-side, so gigabytes take seconds.
import { MariaDb } from "./mariadb";

const SCHEMA = `
CREATE TABLE users (
  id varchar(24) NOT NULL PRIMARY KEY, name varchar(191) NOT NULL, slug varchar(191) NOT NULL UNIQUE,
  email varchar(191) NOT NULL UNIQUE, password varchar(60) NOT NULL, bio text, created_at datetime NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
CREATE TABLE posts (
  id varchar(24) NOT NULL PRIMARY KEY, uuid varchar(36) NOT NULL, title varchar(2000) NOT NULL,
  slug varchar(191) NOT NULL UNIQUE, mobiledoc longtext, lexical longtext, html longtext, plaintext longtext,
  feature_image varchar(2000), type varchar(50) NOT NULL DEFAULT 'post', status varchar(50) NOT NULL DEFAULT 'draft',
  visibility varchar(50) NOT NULL DEFAULT 'public', created_at datetime NOT NULL, updated_at datetime,
  published_at datetime, published_by varchar(24),
  KEY posts_type_status_updated_at_index (type, status, updated_at), KEY posts_published_at_index (published_at),
  KEY posts_uuid_index (uuid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
CREATE TABLE tags (
  id varchar(24) NOT NULL PRIMARY KEY, name varchar(191) NOT NULL, slug varchar(191) NOT NULL UNIQUE,
  description text, created_at datetime NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
CREATE TABLE posts_tags (
  id varchar(24) NOT NULL PRIMARY KEY, post_id varchar(24) NOT NULL, tag_id varchar(24) NOT NULL, sort_order int unsigned NOT NULL DEFAULT 0,
  KEY posts_tags_post_id_tag_id_index (post_id, tag_id),
  CONSTRAINT posts_tags_post_id_foreign FOREIGN KEY (post_id) REFERENCES posts (id),
  CONSTRAINT posts_tags_tag_id_foreign FOREIGN KEY (tag_id) REFERENCES tags (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
CREATE TABLE members (
  id varchar(24) NOT NULL PRIMARY KEY, uuid varchar(36) NOT NULL UNIQUE, email varchar(191) NOT NULL UNIQUE,
  status varchar(50) NOT NULL DEFAULT 'free', name varchar(191), note varchar(2000), created_at datetime NOT NULL,
  KEY members_created_at_index (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
CREATE TABLE members_stripe_customers_subscriptions (
  id varchar(24) NOT NULL PRIMARY KEY, customer_id varchar(255) NOT NULL, status varchar(50) NOT NULL, created_at datetime NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
CREATE TABLE members_stripe_customers (
  id varchar(24) NOT NULL PRIMARY KEY, member_id varchar(24) NOT NULL, customer_id varchar(255) NOT NULL UNIQUE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
CREATE TABLE migrations (
  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(120) NOT NULL, version varchar(70) NOT NULL,
  currentVersion varchar(255), UNIQUE KEY migrations_name_version_unique (name, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
CREATE TABLE migrations_lock (
  lock_key varchar(191) NOT NULL PRIMARY KEY, locked tinyint(1) DEFAULT 0, acquired_at datetime, released_at datetime
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
CREATE VIEW members_resolved_subscription AS
  SELECT msc.member_id AS member_id, mscs.id AS subscription_id
  FROM members_stripe_customers_subscriptions mscs JOIN members_stripe_customers msc ON msc.customer_id = mscs.customer_id;
INSERT INTO users VALUES ('1', 'Zoë Ówner 🐙', 'owner', 'owner@example.com', '$2a$10$abcdefghijklmnopqrstuv', 'Ünïcode bio ✅', NOW());
INSERT INTO migrations (name, version, currentVersion) VALUES ('1-init.js', 'init', '6.65.0'), ('2026-01-01-add-things.js', '6.65', '6.65.0');
INSERT INTO migrations_lock VALUES ('km01', 0, NOW(), NOW());
INSERT INTO tags SELECT LPAD(HEX(seq), 24, '0'), CONCAT('Tag ', seq, ' ✨'), CONCAT('tag-', seq), 'Ünïcode tag', NOW() FROM seq_1_to_50;
`;

/**
 * Creates the schema in \`database\` and adds posts until roughly targetBytes of row data.
 * entropy: fraction of each post body that is random (real Ghost html compresses ~5x; 0.2 is close).
 */
export function generateGhostDb(db: MariaDb, database: string, targetBytes: number, entropy = 0.2): void {
    db.query(
        `DROP DATABASE IF EXISTS \`${database}\`; CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`,
    );
    db.query(SCHEMA, database);
    // One post is ~4 bodies (html, lexical, mobiledoc, plaintext) of ~bodyBytes each.
    const bodyBytes = 6000;
    const randomHex = Math.max(2, Math.round((bodyBytes * entropy) / 2) * 2);
    const text = "<p>Ghost post body — “typography”, naïve café, emoji 🚀, 日本語.</p>";
    const repeats = Math.max(1, Math.round((bodyBytes - randomHex) / Buffer.byteLength(text)));
    const posts = Math.max(10, Math.round(targetBytes / (bodyBytes * 4 + 400)));
    const batch = 2000;
    for (let start = 1; start <= posts; start += batch) {
        const end = Math.min(posts, start + batch - 1);
        const body = `CONCAT(REPEAT('${text}', ${repeats}), HEX(RANDOM_BYTES(${Math.min(1024, randomHex / 2)})), REPEAT(HEX(RANDOM_BYTES(16)), ${Math.max(0, Math.round((randomHex - 2048) / 32))}))`;
        db.query(
            `SET SESSION unique_checks = 0;
             INSERT INTO posts (id, uuid, title, slug, mobiledoc, lexical, html, plaintext, feature_image, status, created_at, updated_at, published_at, published_by)
             SELECT LPAD(HEX(seq), 24, '0'), UUID(), CONCAT('Post ', seq, ' — ünïcode 🐙'), CONCAT('post-', seq),
                    CONCAT('{"version":"0.3.1","cards":[],"sections":[[1,"p",[[0,[],0,"', ${body}, '"]]]]}'),
                    CONCAT('{"root":{"children":[{"children":[{"text":"', ${body}, '"}],"type":"paragraph"}]}}'),
                    ${body}, ${body}, CONCAT('/content/images/2026/11/img-', seq, '.png'), 'published',
                    NOW() - INTERVAL seq MINUTE, NOW(), NOW() - INTERVAL seq MINUTE, '1'
             FROM seq_${start}_to_${end};
             INSERT INTO posts_tags SELECT LPAD(HEX(seq), 24, '0'), LPAD(HEX(seq), 24, '0'), LPAD(HEX(1 + seq % 50), 24, '0'), 0 FROM seq_${start}_to_${end};`,
            database,
        );
    }
    const members = Math.max(10, Math.round(posts * 2));
    db.query(
        `INSERT INTO members SELECT LPAD(HEX(seq), 24, '0'), UUID(), CONCAT('member', seq, '@example.com'), IF(seq % 10 = 0, 'paid', 'free'),
                CONCAT('Mémber ', seq, ' 👋'), NULL, NOW() - INTERVAL seq SECOND FROM seq_1_to_${members};
         INSERT INTO members_stripe_customers SELECT LPAD(HEX(seq), 24, '0'), LPAD(HEX(seq), 24, '0'), CONCAT('cus_', seq) FROM seq_10_to_${members}_step_10;
         INSERT INTO members_stripe_customers_subscriptions SELECT LPAD(HEX(seq), 24, '0'), CONCAT('cus_', seq), 'active', NOW() FROM seq_10_to_${members}_step_10;`,
        database,
    );
}
