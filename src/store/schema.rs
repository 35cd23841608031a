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

diesel::table! {
    editions (id) {
        id -> BigInt,
        number -> Integer,
        held_on -> Date,
        theme -> Text,
        reschedule_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
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

diesel::allow_tables_to_appear_in_same_query!(
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
);
