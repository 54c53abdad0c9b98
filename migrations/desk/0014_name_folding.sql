-- Finding a citizen however the name was typed (ariza_core::name_fold): each citizen's folded
-- name, indexed like the search key, and the vocabulary of folded words with their one-letter
-- deletions, through which a mistyped word finds the words it may have meant. The store fills
-- fold_key (and the vocabulary) for every row where it is NULL when it opens, and folds every
-- name again when the rules' version changes. Append-only.
ALTER TABLE citizen ADD COLUMN fold_key TEXT;
CREATE INDEX citizen_unfolded ON citizen (id) WHERE fold_key IS NULL;

CREATE VIRTUAL TABLE citizen_fold USING fts5 (
    fold_key,
    content = 'citizen',
    content_rowid = 'id',
    tokenize = 'unicode61',
    prefix = '2 3 4'
);
-- Leaves that fit one encrypted page, as for citizen_name (0009).
INSERT INTO citizen_fold (citizen_fold, rank) VALUES ('pgsz', 800);

-- A row is in the index exactly when it has a folded key: deleting from an external-content
-- index what was never put in it would break the index's counts.
CREATE TRIGGER citizen_fold_ai AFTER INSERT ON citizen WHEN new.fold_key IS NOT NULL BEGIN
    INSERT INTO citizen_fold (rowid, fold_key) VALUES (new.id, new.fold_key);
END;
CREATE TRIGGER citizen_fold_ad AFTER DELETE ON citizen WHEN old.fold_key IS NOT NULL BEGIN
    INSERT INTO citizen_fold (citizen_fold, rowid, fold_key) VALUES ('delete', old.id, old.fold_key);
END;
CREATE TRIGGER citizen_fold_au_old AFTER UPDATE OF fold_key ON citizen
    WHEN old.fold_key IS NOT NULL BEGIN
    INSERT INTO citizen_fold (citizen_fold, rowid, fold_key) VALUES ('delete', old.id, old.fold_key);
END;
CREATE TRIGGER citizen_fold_au_new AFTER UPDATE OF fold_key ON citizen
    WHEN new.fold_key IS NOT NULL BEGIN
    INSERT INTO citizen_fold (rowid, fold_key) VALUES (new.id, new.fold_key);
END;

-- Every folded word of a stored name, once.
CREATE TABLE name_word (
    word TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;

-- Each word of five letters or more under each of its one-letter deletions.
CREATE TABLE name_word_variant (
    variant TEXT NOT NULL,
    word    TEXT NOT NULL,
    PRIMARY KEY (variant, word)
) STRICT, WITHOUT ROWID;
