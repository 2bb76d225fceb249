function (user, context, callback) {
  callback(null, user, context);
}

function helper() {
  return 1;
}
