"""The schema, as numbered migrations: `PRAGMA user_version` says how many have run."""
MIGRATIONS: list[str] = [
    # 1: groups, schedules, the question of the day, points and streaks
    """
    CREATE TABLE groups (
        id INTEGER PRIMARY KEY,
        platform TEXT NOT NULL,
        external_id TEXT NOT NULL,
        tz TEXT NOT NULL DEFAULT 'UTC',
        UNIQUE (platform, external_id)
    );
    CREATE TABLE members (
        group_id INTEGER NOT NULL REFERENCES groups(id),
        user_id TEXT NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (group_id, user_id)
    );
    CREATE TABLE schedules (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id),
        channel TEXT NOT NULL,
        at_time TEXT NOT NULL,
        tz TEXT NOT NULL,
        days TEXT NOT NULL,
        topics TEXT NOT NULL DEFAULT '',
        close_seconds INTEGER NOT NULL,
        paused INTEGER NOT NULL DEFAULT 0,
        cycle INTEGER NOT NULL DEFAULT 1,
        since TEXT NOT NULL,
        UNIQUE (group_id, channel)
    );
    CREATE TABLE posts (
        id INTEGER PRIMARY KEY,
        schedule_id INTEGER NOT NULL REFERENCES schedules(id),
        local_date TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'open', 'closed', 'skipped')),
        number INTEGER,
        question_id TEXT,
        cycle INTEGER,
        message_id TEXT,
        thread_id TEXT,
        posted_at TEXT,
        closes_at TEXT,
        revealed INTEGER NOT NULL DEFAULT 0,
        UNIQUE (schedule_id, local_date)
    );
    CREATE INDEX posts_due ON posts (status, closes_at);
    CREATE INDEX posts_message ON posts (message_id);
    CREATE INDEX posts_thread ON posts (thread_id);
    CREATE TABLE answers (
        post_id INTEGER NOT NULL REFERENCES posts(id),
        user_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        text TEXT NOT NULL,
        answered_at TEXT NOT NULL,
        withdrawn INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (post_id, user_id)
    );
    CREATE INDEX answers_message ON answers (post_id, message_id);
    CREATE TABLE upvotes (
        post_id INTEGER NOT NULL REFERENCES posts(id),
        message_id TEXT NOT NULL,
        voter TEXT NOT NULL,
        PRIMARY KEY (post_id, message_id, voter)
    );
    CREATE TABLE choice_reactions (
        post_id INTEGER NOT NULL REFERENCES posts(id),
        user_id TEXT NOT NULL,
        option INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (post_id, user_id, option)
    );
    CREATE TABLE ledger (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id),
        user_id TEXT NOT NULL,
        points INTEGER NOT NULL,
        reason TEXT NOT NULL,
        source TEXT NOT NULL,
        at TEXT NOT NULL,
        UNIQUE (reason, source, user_id)
    );
    CREATE TABLE totals (
        group_id INTEGER NOT NULL,
        period TEXT NOT NULL,
        user_id TEXT NOT NULL,
        points INTEGER NOT NULL,
        PRIMARY KEY (group_id, period, user_id)
    );
    CREATE INDEX totals_rank ON totals (group_id, period, points DESC);
    CREATE TABLE streaks (
        schedule_id INTEGER NOT NULL REFERENCES schedules(id),
        user_id TEXT NOT NULL,
        current INTEGER NOT NULL,
        best INTEGER NOT NULL,
        PRIMARY KEY (schedule_id, user_id)
    );
    CREATE TABLE handled (
        key TEXT PRIMARY KEY,
        at TEXT NOT NULL
    );
    """,
    # 2: polls
    """
    CREATE TABLE polls (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id),
        channel TEXT NOT NULL,
        number INTEGER NOT NULL,
        creator TEXT NOT NULL,
        question TEXT NOT NULL,
        options TEXT NOT NULL,
        multi INTEGER NOT NULL,
        source TEXT NOT NULL UNIQUE,
        message_id TEXT,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'open', 'closed')),
        created_at TEXT NOT NULL,
        closes_at TEXT NOT NULL,
        announced INTEGER NOT NULL DEFAULT 0,
        UNIQUE (group_id, channel, message_id),
        UNIQUE (group_id, number)
    );
    CREATE INDEX polls_due ON polls (status, closes_at);
    CREATE INDEX polls_channel ON polls (group_id, channel, number);
    CREATE TABLE poll_reactions (
        poll_id INTEGER NOT NULL REFERENCES polls(id),
        user_id TEXT NOT NULL,
        option INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (poll_id, user_id, option)
    );
    """,
    # 3: quizzes and practice
    """
    CREATE TABLE quizzes (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id),
        channel TEXT NOT NULL,
        starter TEXT NOT NULL,
        questions TEXT NOT NULL,
        seconds INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ended')),
        stopped_by TEXT,
        started_at TEXT NOT NULL,
        announced INTEGER NOT NULL DEFAULT 0
    );
    CREATE UNIQUE INDEX quizzes_one_running ON quizzes (group_id, channel) WHERE status = 'running';
    CREATE TABLE quiz_rounds (
        quiz_id INTEGER NOT NULL REFERENCES quizzes(id),
        round INTEGER NOT NULL,
        question_id TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'open', 'scored', 'revealed', 'cancelled')),
        message_id TEXT,
        asked_at TEXT,
        deadline TEXT,
        PRIMARY KEY (quiz_id, round)
    );
    CREATE INDEX quiz_rounds_due ON quiz_rounds (status, deadline);
    CREATE TABLE quiz_players (
        quiz_id INTEGER NOT NULL REFERENCES quizzes(id),
        user_id TEXT NOT NULL,
        PRIMARY KEY (quiz_id, user_id)
    );
    CREATE TABLE quiz_answers (
        quiz_id INTEGER NOT NULL,
        round INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        answer TEXT NOT NULL,
        correct INTEGER NOT NULL,
        answered_at TEXT NOT NULL,
        PRIMARY KEY (quiz_id, round, user_id),
        FOREIGN KEY (quiz_id, round) REFERENCES quiz_rounds(quiz_id, round)
    );
    CREATE TABLE cards (
        group_id INTEGER NOT NULL REFERENCES groups(id),
        user_id TEXT NOT NULL,
        question_id TEXT NOT NULL,
        card TEXT NOT NULL,
        due TEXT NOT NULL,
        PRIMARY KEY (group_id, user_id, question_id)
    );
    CREATE TABLE practice_sessions (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id),
        user_id TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'ended')),
        started_at TEXT NOT NULL
    );
    CREATE INDEX practice_sessions_member ON practice_sessions (group_id, user_id, status);
    CREATE TABLE practice_items (
        session_id INTEGER NOT NULL REFERENCES practice_sessions(id),
        position INTEGER NOT NULL,
        question_id TEXT NOT NULL,
        due_card INTEGER NOT NULL,
        asked_at TEXT,
        answer INTEGER,
        correct INTEGER,
        answered_at TEXT,
        PRIMARY KEY (session_id, position)
    );
    """,
    # 4: small facts adapters keep between runs (e.g. the hash of the last command sync)
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 5: every thread reply kept (answers are derived), the answer minimum, and the outbox of platform effects
    """
    CREATE TABLE replies (
        post_id INTEGER NOT NULL REFERENCES posts(id),
        message_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        text TEXT NOT NULL,
        at TEXT NOT NULL,
        counts INTEGER NOT NULL DEFAULT 1,
        deleted INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (post_id, message_id)
    );
    CREATE INDEX replies_member ON replies (post_id, user_id);
    INSERT INTO replies (post_id, message_id, user_id, text, at, deleted)
        SELECT post_id, message_id, user_id, text, answered_at, withdrawn FROM answers;
    DROP TABLE answers;
    ALTER TABLE schedules ADD COLUMN min_answer INTEGER NOT NULL DEFAULT 15;
    UPDATE posts SET status = 'skipped' WHERE status = 'pending';
    ALTER TABLE posts DROP COLUMN revealed;
    UPDATE polls SET status = 'closed' WHERE status = 'pending';
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        op TEXT NOT NULL CHECK (op IN ('send', 'reply', 'thread', 'edit', 'react', 'unreact', 'whisper')),
        platform TEXT NOT NULL,
        grp TEXT NOT NULL,
        channel TEXT NOT NULL,
        thread TEXT,
        target TEXT,
        post TEXT,
        emoji TEXT,
        member TEXT,
        record TEXT,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
        result TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    CREATE INDEX outbox_pending ON outbox (status, id);
    """,
    # 6: streak freezes, points by topic (an older ledger is labelled once at start), what /stats reads by
    """
    ALTER TABLE streaks ADD COLUMN run INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE streaks ADD COLUMN freezes INTEGER NOT NULL DEFAULT 0;
    UPDATE streaks SET run = current;
    ALTER TABLE ledger ADD COLUMN topic TEXT;
    CREATE INDEX ledger_member ON ledger (group_id, user_id, reason);
    CREATE INDEX quiz_answers_member ON quiz_answers (user_id);
    INSERT INTO meta (key, value) SELECT 'topic-totals', 'pending' WHERE EXISTS (SELECT 1 FROM ledger);
    """,
    # 7: the weekly digest, self-review after the reveal, and a group's own questions
    """
    CREATE TABLE digest_settings (
        schedule_id INTEGER PRIMARY KEY REFERENCES schedules(id),
        weekday INTEGER NOT NULL,
        at_time TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        since TEXT NOT NULL
    );
    CREATE TABLE digests (
        schedule_id INTEGER NOT NULL REFERENCES schedules(id),
        week TEXT NOT NULL,
        posted_at TEXT NOT NULL,
        PRIMARY KEY (schedule_id, week)
    );
    CREATE TABLE self_reviews (
        post_id INTEGER NOT NULL REFERENCES posts(id),
        user_id TEXT NOT NULL,
        choice INTEGER NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (post_id, user_id)
    );
    CREATE TABLE own_questions (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id),
        channel TEXT NOT NULL,
        author TEXT NOT NULL,
        suggested INTEGER NOT NULL,
        question TEXT NOT NULL,
        topic TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
        reason TEXT,
        reviewer TEXT,
        created_at TEXT NOT NULL,
        reviewed_at TEXT
    );
    CREATE INDEX own_questions_queue ON own_questions (group_id, status, id);
    CREATE INDEX posts_question ON posts (question_id);
    """,
    # 8: interview goals with their nudges, and mock-interview pairs
    """
    CREATE TABLE goals (
        group_id INTEGER NOT NULL REFERENCES groups(id),
        user_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        interview TEXT NOT NULL,
        topics TEXT NOT NULL DEFAULT '',
        minutes INTEGER NOT NULL,
        tz TEXT NOT NULL,
        start TEXT NOT NULL,
        seen0 INTEGER NOT NULL,
        expected TEXT NOT NULL,
        remind TEXT,
        nudge_at TEXT,
        set_at TEXT NOT NULL,
        PRIMARY KEY (group_id, user_id)
    );
    CREATE INDEX goals_nudge ON goals (nudge_at);
    CREATE TABLE goal_nudges (
        group_id INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        day TEXT NOT NULL,
        sent INTEGER NOT NULL,
        PRIMARY KEY (group_id, user_id, day)
    );
    CREATE INDEX practice_items_answered ON practice_items (answered_at);
    CREATE TABLE mock_setups (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id),
        channel TEXT NOT NULL,
        day INTEGER NOT NULL,
        at_time TEXT NOT NULL,
        tz TEXT NOT NULL,
        length_seconds INTEGER NOT NULL,
        UNIQUE (group_id, channel)
    );
    CREATE TABLE mock_sessions (
        id INTEGER PRIMARY KEY,
        setup_id INTEGER NOT NULL REFERENCES mock_setups(id),
        slot_date TEXT NOT NULL,
        slot_at TEXT NOT NULL,
        pair_at TEXT NOT NULL,
        length_seconds INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paired', 'cancelled')),
        UNIQUE (setup_id, slot_date)
    );
    CREATE INDEX mock_sessions_due ON mock_sessions (status, pair_at);
    CREATE TABLE mock_entries (
        session_id INTEGER NOT NULL REFERENCES mock_sessions(id),
        user_id TEXT NOT NULL,
        joined_at TEXT NOT NULL,
        PRIMARY KEY (session_id, user_id)
    );
    CREATE TABLE mock_pairs (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES mock_sessions(id),
        number INTEGER NOT NULL,
        members TEXT NOT NULL,
        topics TEXT NOT NULL DEFAULT '',
        room TEXT,
        stage INTEGER NOT NULL DEFAULT 0,
        due_at TEXT,
        UNIQUE (session_id, number)
    );
    CREATE INDEX mock_pairs_due ON mock_pairs (due_at);
    CREATE TABLE mock_packs (
        pair_id INTEGER NOT NULL REFERENCES mock_pairs(id),
        interviewer TEXT NOT NULL,
        candidate TEXT NOT NULL,
        questions TEXT NOT NULL,
        PRIMARY KEY (pair_id, interviewer)
    );
    CREATE TABLE mock_feedback (
        pair_id INTEGER NOT NULL REFERENCES mock_pairs(id),
        rater TEXT NOT NULL,
        target TEXT NOT NULL,
        clarity INTEGER,
        depth INTEGER,
        structure INTEGER,
        comment TEXT,
        absent INTEGER NOT NULL DEFAULT 0,
        sent_at TEXT,
        PRIMARY KEY (pair_id, rater)
    );
    CREATE TABLE mock_noshows (
        group_id INTEGER NOT NULL,
        pair_id INTEGER NOT NULL REFERENCES mock_pairs(id),
        user_id TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (pair_id, user_id)
    );
    CREATE INDEX mock_noshows_member ON mock_noshows (group_id, user_id, at);
    CREATE TABLE mock_breaks (
        group_id INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        since TEXT NOT NULL,
        until TEXT NOT NULL,
        PRIMARY KEY (group_id, user_id, since)
    );
    """,
    # 9: when each schedule's next question (next_at) and next digest (digest_at) are due, kept by the core
    # as schedules change and post, so finding the next wake-up is one indexed query instead of the
    # occurrence maths of every schedule. '' (the default, and what a change of time, pause or digest setting
    # resets it to) means "work it out at the next run".
    """
    ALTER TABLE schedules ADD COLUMN next_at TEXT NOT NULL DEFAULT '';
    ALTER TABLE schedules ADD COLUMN digest_at TEXT NOT NULL DEFAULT '';
    CREATE INDEX schedules_next ON schedules (next_at) WHERE paused = 0;
    CREATE INDEX schedules_digest ON schedules (digest_at) WHERE paused = 0;
    """,
    # 10: blind answers: a schedule may collect answers privately. Its posts then close in two claimed steps:
    # the answers (open -> voting: all of them appear in the thread) and the votes (voting -> closed, at
    # votes_close_at). SQLite cannot widen a CHECK in place, so posts is rebuilt with the same ids: copied
    # aside, dropped and made again, with foreign keys checked at the commit, when every reply has its post back.
    """
    ALTER TABLE schedules ADD COLUMN blind INTEGER NOT NULL DEFAULT 0;
    PRAGMA defer_foreign_keys = ON;
    CREATE TEMP TABLE posts_copy AS SELECT * FROM posts;
    DROP TABLE posts;
    CREATE TABLE posts (
        id INTEGER PRIMARY KEY,
        schedule_id INTEGER NOT NULL REFERENCES schedules(id),
        local_date TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'voting', 'closed', 'skipped')),
        number INTEGER,
        question_id TEXT,
        cycle INTEGER,
        message_id TEXT,
        thread_id TEXT,
        posted_at TEXT,
        closes_at TEXT,
        blind INTEGER NOT NULL DEFAULT 0,
        votes_close_at TEXT,
        UNIQUE (schedule_id, local_date)
    );
    INSERT INTO posts (id, schedule_id, local_date, status, number, question_id, cycle, message_id, thread_id,
                       posted_at, closes_at)
        SELECT id, schedule_id, local_date, status, number, question_id, cycle, message_id, thread_id, posted_at,
               closes_at FROM posts_copy;
    DROP TABLE posts_copy;
    CREATE INDEX posts_due ON posts (status, closes_at);
    CREATE INDEX posts_votes ON posts (status, votes_close_at);
    CREATE INDEX posts_message ON posts (message_id);
    CREATE INDEX posts_thread ON posts (thread_id);
    CREATE INDEX posts_question ON posts (question_id);
    """,
    # 11: a board's top streams from one index: ties in user order, so no sort over a week's tied members
    """
    DROP INDEX totals_rank;
    CREATE INDEX totals_rank ON totals (group_id, period, points DESC, user_id);
    """,
]
