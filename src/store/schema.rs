//! The tables, written once for both backends (ids are BigInt, timestamps UTC).

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    regions (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        parent_id -> Nullable<BigInt>,
        path -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    departments (id) {
        id -> BigInt,
        name -> Text,
        region_id -> BigInt,
        catch_all -> Bool,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    enterprises (id) {
        id -> BigInt,
        name -> Text,
        credit_code -> Text,
        region_id -> BigInt,
        industry -> Text,
        size -> Text,
        contact_name -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        display_name -> Text,
        role -> Text,
        region_id -> Nullable<BigInt>,
        department_id -> Nullable<BigInt>,
        enterprise_id -> Nullable<BigInt>,
        active -> Bool,
        token_version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        must_change_password -> Bool,
    }
}

diesel::table! {
    calendar_years (year) {
        year -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    calendar_days (day) {
        day -> Date,
        kind -> Text,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Integer,
        window_start -> Timestamp,
        blocked_until -> Nullable<Timestamp>,
    }
}

diesel::joinable!(departments -> regions (region_id));
diesel::joinable!(enterprises -> regions (region_id));
diesel::joinable!(users -> regions (region_id));
diesel::joinable!(attachments -> issues (issue_id));
diesel::joinable!(attachments -> forums (forum_id));
diesel::joinable!(attachment_data -> attachments (attachment_id));

diesel::table! {
    editions (id) {
        id -> BigInt,
        number -> Integer,
        held_on -> Date,
        theme -> Text,
        reschedule_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        cancel_reason -> Nullable<Text>,
    }
}

diesel::table! {
    department_categories (department_id, category) {
        department_id -> BigInt,
        category -> Text,
    }
}

diesel::table! {
    forums (id) {
        id -> BigInt,
        edition_id -> BigInt,
        region_id -> BigInt,
        venue -> Nullable<Text>,
        theme -> Text,
        chair_name -> Nullable<Text>,
        chair_title -> Nullable<Text>,
        status -> Text,
        minutes -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    forum_departments (forum_id, department_id) {
        forum_id -> BigInt,
        department_id -> BigInt,
    }
}

diesel::table! {
    attendances (id) {
        id -> BigInt,
        forum_id -> BigInt,
        enterprise_id -> BigInt,
        person_name -> Text,
        title -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(forums -> editions (edition_id));
diesel::joinable!(attendances -> forums (forum_id));
diesel::joinable!(attendances -> enterprises (enterprise_id));
diesel::joinable!(forum_departments -> forums (forum_id));

diesel::joinable!(forums -> regions (region_id));

diesel::table! {
    issues (id) {
        id -> BigInt,
        title -> Text,
        description -> Text,
        category -> Text,
        channel -> Text,
        status -> Text,
        enterprise_id -> BigInt,
        region_id -> BigInt,
        forum_id -> Nullable<BigInt>,
        lead_department_id -> Nullable<BigInt>,
        due_on -> Nullable<Date>,
        resolved_on_site -> Bool,
        common -> Nullable<Bool>,
        supervision -> Bool,
        reopen_count -> Integer,
        return_count -> Integer,
        dissatisfied_count -> Integer,
        urge_count -> Integer,
        supervise_count -> Integer,
        answer_outcome -> Nullable<Text>,
        answer_text -> Nullable<Text>,
        answer_planned_on -> Nullable<Date>,
        answered_at -> Nullable<Timestamp>,
        answer_count -> Integer,
        first_answered_at -> Nullable<Timestamp>,
        answered_on_time -> Nullable<Bool>,
        working_days_to_answer -> Nullable<Integer>,
        rating -> Nullable<Text>,
        assigned_at -> Nullable<Timestamp>,
        filed_on -> Date,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        handler_id -> Nullable<BigInt>,
        solved -> Nullable<Bool>,
        rating_source -> Nullable<Text>,
        rating_comment -> Nullable<Text>,
        rated_at -> Nullable<Timestamp>,
        not_actionable -> Bool,
        charged_setback -> Bool,
        merged_into -> Nullable<BigInt>,
        common_issue_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// Every version of an issue's state the figures read, in force from `valid_from` until
    /// `valid_to` (null: the current one); written with every write of the issue.
    issue_history (issue_id, version) {
        issue_id -> BigInt,
        version -> BigInt,
        valid_from -> Timestamp,
        valid_to -> Nullable<Timestamp>,
    }
}

diesel::table! {
    issue_co_departments (issue_id, department_id) {
        issue_id -> BigInt,
        department_id -> BigInt,
    }
}

diesel::table! {
    issue_events (id) {
        id -> BigInt,
        issue_id -> BigInt,
        action -> Text,
        actor_id -> BigInt,
        actor_role -> Text,
        at -> Timestamp,
        details -> Text,
    }
}

diesel::table! {
    issue_ratings (id) {
        id -> BigInt,
        issue_id -> BigInt,
        answer_number -> Integer,
        rating -> Text,
        source -> Text,
        comment -> Nullable<Text>,
        rated_by -> BigInt,
        rated_at -> Timestamp,
        solved -> Nullable<Bool>,
    }
}

diesel::table! {
    reply_templates (id) {
        id -> BigInt,
        category -> Text,
        outcome -> Text,
        title -> Text,
        text -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
        department_id -> Nullable<BigInt>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// 政策问答 (migration 000027).
    knowledge (id) {
        id -> BigInt,
        issue_id -> BigInt,
        category -> Text,
        question -> Text,
        answer -> Text,
        published_by -> BigInt,
        published_at -> Timestamp,
    }
}

diesel::joinable!(knowledge -> issues (issue_id));

diesel::table! {
    /// 共性问题 (migration 000028).
    common_issues (id) {
        id -> BigInt,
        region_id -> BigInt,
        title -> Text,
        description -> Text,
        lead_department_id -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
        answer_text -> Nullable<Text>,
        answered_by -> Nullable<BigInt>,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        issue_id -> Nullable<BigInt>,
        forum_id -> Nullable<BigInt>,
        name -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        uploaded_by -> BigInt,
        created_at -> Timestamp,
        with_answer -> Bool,
        withdrawn_at -> Nullable<Timestamp>,
        withdrawn_by -> Nullable<BigInt>,
        withdrawn_reason -> Nullable<Text>,
        storage_key -> Nullable<Text>,
    }
}

diesel::table! {
    attachment_data (attachment_id) {
        attachment_id -> BigInt,
        data -> Binary,
    }
}

diesel::table! {
    issue_extensions (id) {
        id -> BigInt,
        issue_id -> BigInt,
        department_id -> BigInt,
        new_due_on -> Date,
        reason -> Text,
        status -> Text,
        requested_by -> BigInt,
        requested_at -> Timestamp,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> BigInt,
        key -> Text,
        request -> Text,
        response -> Text,
        issue_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(issue_events -> issues (issue_id));

diesel::table! {
    department_names (department_id, until) {
        department_id -> BigInt,
        until -> Date,
        name -> Text,
    }
}
diesel::joinable!(department_names -> departments (department_id));

diesel::table! {
    issue_assignments (id) {
        id -> BigInt,
        issue_id -> BigInt,
        department_id -> BigInt,
        assigned_at -> Timestamp,
        sign_deadline -> Timestamp,
        signed_at -> Nullable<Timestamp>,
        returned_at -> Nullable<Timestamp>,
    }
}
diesel::joinable!(issue_co_departments -> issues (issue_id));

diesel::table! {
    /// Kept sums keyed by their group (region, lead department, category, channel, day of
    /// filing). The key is the table's primary key on SQLite; on PostgreSQL each write appends
    /// a row of its own and `kept::fold_kept` folds a group's rows into one, so the migration
    /// declares no key there. No code looks a row up by it: every read sums the rows of a
    /// group.
    issue_rollup (region_id, lead_department_id, category, channel, filed_on) {
        region_id -> BigInt,
        lead_department_id -> BigInt,
        category -> Text,
        channel -> Text,
        filed_on -> Date,
        collected -> BigInt,
        resolved_on_site -> BigInt,
        assigned_issues -> BigInt,
        concluded -> BigInt,
        answered_issues -> BigInt,
        on_time -> BigInt,
        reopened -> BigInt,
        returned_issues -> BigInt,
        rated -> BigInt,
        satisfied -> BigInt,
        dissatisfied_ratings -> BigInt,
        working_days_sum -> BigInt,
        working_days_n -> BigInt,
        urges -> BigInt,
        supervisions -> BigInt,
        under_supervision -> BigInt,
        rated_answered -> BigInt,
        first_time -> BigInt,
        solved -> BigInt,
        actionable -> BigInt,
        first_time_own -> BigInt,
    }
}

diesel::table! {
    /// Kept sums keyed by their group (region, lead department, category, channel). The key is
    /// the table's primary key on SQLite; on PostgreSQL each write appends a row of its own and
    /// `kept::fold_kept` folds a group's rows into one, so the migration declares no key there.
    /// No code looks a row up by it: every read sums the rows of a group.
    issue_totals (region_id, lead_department_id, category, channel) {
        region_id -> BigInt,
        lead_department_id -> BigInt,
        category -> Text,
        channel -> Text,
        collected -> BigInt,
        resolved_on_site -> BigInt,
        assigned_issues -> BigInt,
        concluded -> BigInt,
        answered_issues -> BigInt,
        on_time -> BigInt,
        reopened -> BigInt,
        returned_issues -> BigInt,
        rated -> BigInt,
        satisfied -> BigInt,
        dissatisfied_ratings -> BigInt,
        working_days_sum -> BigInt,
        working_days_n -> BigInt,
        urges -> BigInt,
        supervisions -> BigInt,
        under_supervision -> BigInt,
        rated_answered -> BigInt,
        first_time -> BigInt,
        solved -> BigInt,
        actionable -> BigInt,
        first_time_own -> BigInt,
    }
}

diesel::table! {
    /// Kept sums keyed by their group (department assigned, region, category, channel, day of
    /// filing). The key is the table's primary key on SQLite; on PostgreSQL each write appends
    /// a row of its own and `kept::fold_kept` folds a group's rows into one, so the migration
    /// declares no key there. No code looks a row up by it: every read sums the rows of a
    /// group.
    assignment_rollup (department_id, region_id, category, channel, filed_on) {
        department_id -> BigInt,
        region_id -> BigInt,
        category -> Text,
        channel -> Text,
        filed_on -> Date,
        assignments -> BigInt,
        signed_on_time -> BigInt,
        returns -> BigInt,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        object -> Text,
        object_id -> Nullable<BigInt>,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
    }
}

diesel::table! {
    reports (id) {
        id -> BigInt,
        kind -> Text,
        year -> Integer,
        month -> Integer,
        region_id -> BigInt,
        version -> Integer,
        number_year -> Integer,
        number_seq -> Integer,
        number -> Text,
        basis -> Text,
        document -> Text,
        published_by -> BigInt,
        published_at -> Timestamp,
    }
}

diesel::table! {
    notices (id) {
        id -> BigInt,
        kind -> Text,
        issue_id -> Nullable<BigInt>,
        text -> Text,
        link -> Text,
        department_id -> Nullable<BigInt>,
        region_id -> Nullable<BigInt>,
        dedupe_key -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        notice_id -> BigInt,
        user_id -> BigInt,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    channels (id) {
        id -> BigInt,
        kind -> Text,
        target -> Text,
        secret -> Nullable<Text>,
        department_id -> Nullable<BigInt>,
        region_id -> Nullable<BigInt>,
        kinds -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    deliveries (id) {
        id -> BigInt,
        notice_id -> BigInt,
        channel_id -> BigInt,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(notifications -> notices (notice_id));
diesel::joinable!(deliveries -> notices (notice_id));
diesel::joinable!(deliveries -> channels (channel_id));

diesel::allow_tables_to_appear_in_same_query!(
    department_categories,
    settings,
    regions,
    departments,
    enterprises,
    users,
    calendar_years,
    calendar_days,
    login_throttle,
    editions,
    forums,
    forum_departments,
    attendances,
    issues,
    issue_co_departments,
    issue_events,
    issue_history,
    issue_ratings,
    reports,
    audit_log,
    issue_extensions,
    idempotency_keys,
    issue_rollup,
    issue_totals,
    assignment_rollup,
    issue_assignments,
    department_names,
    reply_templates,
    knowledge,
    common_issues,
    attachments,
    attachment_data,
    notices,
    notifications,
    channels,
    deliveries,
);
